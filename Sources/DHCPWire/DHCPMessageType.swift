/// Option 53, DHCP Message Type (RFC 2132 §9.6).
public enum DHCPMessageType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case discover = 1, offer, request, decline, ack, nak, release, inform

    public var description: String {
        switch self {
        case .discover: "DHCPDISCOVER"
        case .offer: "DHCPOFFER"
        case .request: "DHCPREQUEST"
        case .decline: "DHCPDECLINE"
        case .ack: "DHCPACK"
        case .nak: "DHCPNAK"
        case .release: "DHCPRELEASE"
        case .inform: "DHCPINFORM"
        }
    }
}
