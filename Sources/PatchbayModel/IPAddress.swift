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

extension IPAddress {
    /// The address with every bit past `prefixLength` cleared: the network address.
    public func masked(to prefixLength: Int) -> IPAddress {
        var bytes = self.bytes
        for i in 0..<bytes.count {
            let bitsKept = max(0, min(8, prefixLength - i * 8))
            bytes[i] &= bitsKept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsKept))
        }
        return isIPv4 ? .v4(IPv4Address(bytes: bytes)!) : .v6(IPv6Address(bytes: bytes)!)
    }

    /// Whether both addresses are of one family and share the first `prefixLength` bits.
    public func isInSubnet(of network: IPAddress, prefixLength: Int) -> Bool {
        // IPv4 as integers: every DNS query is checked against the network's subnets, and
        // masking byte arrays allocated twice per check.
        if case .v4(let address) = self, case .v4(let subnet) = network {
            let mask = IPv4Address.netmask(prefixLength: max(0, min(32, prefixLength))).value
            return address.value & mask == subnet.value & mask
        }
        return isIPv4 == network.isIPv4 && masked(to: prefixLength) == network.masked(to: prefixLength)
    }
}

extension IPAddress: Comparable {
    /// IPv4 before IPv6, then numeric order.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        if lhs.isIPv4 != rhs.isIPv4 { return lhs.isIPv4 }
        return lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
