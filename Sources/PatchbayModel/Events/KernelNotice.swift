/// What the kernel announced on its link and neighbour groups, reduced to what the event stream
/// reports: the engine reads these without knowing netlink.
public enum KernelNotice: Sendable, Hashable {
    case link(index: Int32, name: String, state: LinkTracker.State)
    case linkRemoved(index: Int32, name: String?)
    /// A learned entry of a bridge's forwarding database (permanent and `self` entries are left
    /// out by the reader: they are the bridge's own addresses, not guests').
    case fdb(bridge: Int32, port: Int32, mac: MACAddress, vlan: UInt16?, removed: Bool)
}
