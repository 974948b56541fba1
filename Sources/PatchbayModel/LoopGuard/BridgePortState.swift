/// A bridge port's state (BR_STATE_* of <linux/if_bridge.h>), spelt as `bridge link` prints it.
public enum BridgePortState: UInt8, Sendable, Hashable, Codable, CustomStringConvertible {
    case disabled = 0, listening, learning, forwarding, blocking

    public var description: String {
        switch self {
        case .disabled: "disabled"
        case .listening: "listening"
        case .learning: "learning"
        case .forwarding: "forwarding"
        case .blocking: "blocking"
        }
    }
}

/// One port of a bridge as the loop guard sees it at the start of a round.
public struct BridgePortStatus: Sendable, Hashable {
    public var index: Int32
    public var name: String
    public var state: BridgePortState
    /// Up (IFF_UP) with a link (IFF_LOWER_UP): a TAP has a link while QEMU holds it open, a veth
    /// while its peer is up. Only such a port can forward, or have its state changed.
    public var carrier: Bool

    public init(index: Int32, name: String, state: BridgePortState, carrier: Bool) {
        self.index = index
        self.name = name
        self.state = state
        self.carrier = carrier
    }
}
