import PatchbayModel

/// Open vSwitch as the engine needs it, spoken over OVSDB (RFC 7047) to `ovsdb-server`: the
/// daemon passes `OVSDBSwitch` (target OVSDBClient), engine tests a fake. Every call is one
/// transaction (or one select); the implementation blocks only on a thread of its own.
///
/// Errors: `.unavailable` when ovsdb-server cannot be reached (the message names the socket and
/// says to start Open vSwitch), `.notFound` for a bridge that is not there, `.conflict` when a
/// transaction's `wait` or a constraint fails (someone changed the row meanwhile), `.internal`
/// for an answer that is not OVSDB.
public protocol OVSManaging: Sendable {
    /// The `Open_vSwitch` row.
    func system() async throws(PatchbayError) -> OVSSystem
    /// The bridge and its ports, or nil when OVS has no bridge of that name.
    func bridge(named name: String) async throws(PatchbayError) -> OVSBridgeState?
    /// Every bridge's name.
    func bridgeNames() async throws(PatchbayError) -> [String]
    /// Creates the bridge with its internal port and interface (ovs-vswitchd then makes the
    /// device of the bridge's name). `.alreadyExists` when a bridge of that name is there.
    func createBridge(_ spec: OVSBridgeSpec) async throws(PatchbayError)
    /// Deletes the bridge, its ports, interfaces and their QoS rows; nothing when it is missing.
    func deleteBridge(named name: String) async throws(PatchbayError)
    /// Adds the port to the bridge, or, when the bridge already has a port of that name, sets
    /// every column of `spec` on it (so a call repairs a port changed behind Patchbay's back).
    /// `.notFound` when the bridge is missing.
    func addPort(bridge: String, _ spec: OVSPortSpec) async throws(PatchbayError)
    /// Removes the port (and its interfaces and QoS) from whichever bridge has it; nothing when
    /// no bridge has it.
    func deletePort(named name: String) async throws(PatchbayError)
    /// Every port of every bridge whose interface `external_ids` has `key` = `value`.
    func ports(withExternalID key: String, value: String) async throws(PatchbayError) -> [(bridge: String, port: OVSPortState)]
    /// Calls `changed` after each change of the Interface or Port tables (an OVSDB monitor), and
    /// once after each reconnection to ovsdb-server, until the task calling it is cancelled.
    func watch(_ changed: @escaping @Sendable () async -> Void) async throws(PatchbayError)
}
