/// A bridge the loop guard watches: the bridge of an active network whose definition asks for
/// STP, under Patchbay's loop protection. The engine pushes the whole set whenever a network
/// starts or stops, so the guard never waits on the engine.
public struct GuardedBridge: Sendable, Hashable {
    public var network: String
    public var bridge: String
    /// Ports that are uplinks (`NetworkPort.Role.uplink`): never probed, never disabled. A loop
    /// through one is cut at the guest's port.
    public var uplinks: Set<String>
    /// On a host bridge (`<forward mode='bridge'>`), the only ports that are guests: Patchbay's
    /// own. Every other port (the host's NIC, whatever the administrator plugged in) counts as
    /// an uplink, so the guard never sends probes out onto the LAN nor cuts the host's link; a
    /// loop through the LAN is cut at the guest's port. nil on Patchbay's own bridges.
    public var guests: Set<String>?

    public init(network: String, bridge: String, uplinks: Set<String> = [], guests: Set<String>? = nil) {
        self.network = network
        self.bridge = bridge
        self.uplinks = uplinks
        self.guests = guests
    }

    public func isUplink(_ port: String) -> Bool {
        uplinks.contains(port) || guests.map { !$0.contains(port) } ?? false
    }
}
