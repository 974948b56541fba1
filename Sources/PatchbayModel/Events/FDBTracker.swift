/// What the bridge's forwarding database did, from the kernel's RTM_NEWNEIGH / RTM_DELNEIGH
/// notices: the kernel sends a NEWNEIGH both when it learns a MAC and when an entry it has is
/// refreshed or moves, so telling them apart needs the port each MAC was last seen on.
public struct FDBTracker: Sendable {
    public struct Key: Sendable, Hashable {
        public var bridge: Int32
        public var mac: MACAddress
        public var vlan: UInt16?
        public init(bridge: Int32, mac: MACAddress, vlan: UInt16?) {
            self.bridge = bridge
            self.mac = mac
            self.vlan = vlan
        }
    }

    public enum Change: Sendable, Hashable {
        case learned(port: Int32)
        case moved(from: Int32, to: Int32)
        case aged(port: Int32)
    }

    private var ports: [Key: Int32] = [:]

    public init() {}

    public var count: Int { ports.count }

    /// A NEWNEIGH: learned when new, moved when on another port, nothing when refreshed.
    public mutating func seen(_ key: Key, on port: Int32) -> Change? {
        let previous = ports.updateValue(port, forKey: key)
        switch previous {
        case nil: return .learned(port: port)
        case let old? where old != port: return .moved(from: old, to: port)
        default: return nil
        }
    }

    /// A DELNEIGH: aged out (or flushed). Nothing for an entry never seen, so a notice that
    /// arrives for an entry the tracker missed is not reported twice.
    public mutating func removed(_ key: Key, from port: Int32) -> Change? {
        guard let held = ports[key] else { return nil }
        ports[key] = nil
        // Where the tracker last saw it: a notice may name the port the entry aged on later.
        return .aged(port: held)
    }

    /// A bridge went: its entries go with it, silently (the bridge's removal is its own event).
    public mutating func forget(bridge: Int32) {
        ports = ports.filter { $0.key.bridge != bridge }
    }

}
