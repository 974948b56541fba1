import PatchbayModel

/// The bridge ports of a namespace, kept up to date from link events (RTM_NEWLINK and
/// RTM_DELLINK) instead of dumped every round: with a thousand idle ports the dump was most of
/// what the loop guard cost. A value without I/O; the kernel glue (`KernelBridgePortControl`)
/// feeds it.
public struct BridgePortTable: Sendable, Hashable {
    /// Each port by its bridge's index, then its own.
    private var byBridge: [Int32: [Int32: BridgePortStatus]] = [:]
    /// The bridge each known port belongs to.
    private var bridgeOf: [Int32: Int32] = [:]

    public init() {}

    /// A table as a full dump (`bridge link show`) describes it.
    public init(_ ports: [(bridge: Int32, port: BridgePortStatus)]) {
        for (bridge, port) in ports { update(index: port.index, as: (bridge, port)) }
    }

    /// What an RTM_NEWLINK says of device `index` now: a port of a bridge, with its state, or
    /// nil when the device is no bridge port (any more).
    public mutating func update(index: Int32, as port: (bridge: Int32, port: BridgePortStatus)?) {
        if let old = bridgeOf[index], old != port?.bridge {
            byBridge[old]?[index] = nil
            if byBridge[old]?.isEmpty == true { byBridge[old] = nil }
        }
        guard let (bridge, status) = port else {
            bridgeOf[index] = nil
            return
        }
        bridgeOf[index] = bridge
        byBridge[bridge, default: [:]][index] = status
    }

    /// RTM_DELLINK: the device is gone, or (an AF_BRIDGE message) has left its bridge.
    public mutating func remove(index: Int32) { update(index: index, as: nil) }

    /// The ports of `bridge` in the order of their indexes, as a dump lists them.
    public func ports(ofBridge bridge: Int32) -> [BridgePortStatus] {
        (byBridge[bridge]?.values).map { $0.sorted { $0.index < $1.index } } ?? []
    }

    /// Every port, by bridge (what `BridgePortControlling.portsByBridge` returns).
    public var portsByBridge: [Int32: [BridgePortStatus]] {
        Dictionary(uniqueKeysWithValues: byBridge.keys.map { ($0, ports(ofBridge: $0)) })
    }
}
