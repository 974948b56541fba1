import PatchbayModel

/// Where a DHCP client sits, for the per-port limit: the bridge port on which the bridge learned
/// its MAC address, the relay agent that forwarded its request, or neither (a chaddr the bridge
/// has never seen as a source address: a client that lies about its MAC).
public enum DHCPOrigin: Sendable, Hashable, CustomStringConvertible {
    case port(Int32)
    case relay(IPv4Address)
    case unlearned

    public var description: String {
        switch self {
        case .port(let index): "bridge port \(index)"
        case .relay(let address): "relay \(address)"
        case .unlearned: "unlearned MAC addresses"
        }
    }
}
