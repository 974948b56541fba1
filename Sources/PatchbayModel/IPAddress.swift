/// Either address family, for the places (interface addresses, routes) where libvirt accepts both.
public enum IPAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public init?(_ text: some StringProtocol) {
        if let v4 = IPv4Address(text) { self = .v4(v4) } else if let v6 = IPv6Address(text) { self = .v6(v6) } else { return nil }
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): a.bytes
        case .v6(let a): a.bytes
        }
    }

    public var isIPv4: Bool { if case .v4 = self { true } else { false } }

    /// The largest prefix length the family allows.
    public var maxPrefixLength: Int { isIPv4 ? 32 : 128 }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not an IP address"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
