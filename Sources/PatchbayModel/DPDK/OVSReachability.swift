/// What patchbayd knows of Open vSwitch when `dpdk-check` asks: the daemon may run without it
/// (no OVS networks configured), OVSDB may not answer, or it answers with its `Open_vSwitch` row.
public enum OVSReachability: Sendable, Hashable {
    /// patchbayd was not given an Open vSwitch connection.
    case notConfigured
    /// ovsdb-server did not answer; the message says where it was asked and why it failed.
    case unreachable(String)
    case reachable(OVSSystem)
}
