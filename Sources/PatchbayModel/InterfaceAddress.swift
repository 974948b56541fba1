/// An address assigned to an interface together with its prefix length ("192.168.122.1/24"):
/// what `ip addr add` takes and what a libvirt `<ip>` element describes.
public struct InterfaceAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init?(address: IPAddress, prefixLength: Int) {
        guard prefixLength >= 0, prefixLength <= address.maxPrefixLength else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(parts[0]), let length = Int(parts[1]) else { return nil }
        self.init(address: address, prefixLength: length)
    }

    public var description: String { "\(address)/\(prefixLength)" }

    /// The subnet the address is on: host bits cleared ("192.168.122.1/24" → "192.168.122.0/24").
    public var subnet: InterfaceAddress {
        InterfaceAddress(address: address.masked(to: prefixLength), prefixLength: prefixLength) ?? self
    }

    /// The IPv4 broadcast address of the subnet, which `ip addr add ... brd +` would set.
    public var ipv4Broadcast: IPv4Address? {
        guard case .v4(let a) = address, prefixLength < 31 else { return nil }
        return IPv4Address(a.value | ~IPv4Address.netmask(prefixLength: prefixLength).value)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = InterfaceAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not ADDRESS/PREFIX"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
