/// A 48-bit Ethernet address. Text form is lower-case colon-separated, as libvirt formats it
/// (it accepts upper case on input and normalises, see the conformance case isolated-network).
public struct MACAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 6 else { return nil }
        self.bytes = Array(bytes)
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...2).contains(part.utf8.count), let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    public var description: String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: ":")
    }

    public var isMulticast: Bool { bytes[0] & 1 == 1 }

    /// The QEMU/KVM OUI that libvirt uses for generated addresses.
    public static let libvirtPrefix: [UInt8] = [0x52, 0x54, 0x00]

    /// A random address under libvirt's 52:54:00 prefix, as `virMacAddrGenerate` makes on define.
    public static func randomLibvirt<G: RandomNumberGenerator>(using generator: inout G) -> MACAddress {
        var bytes = libvirtPrefix
        for _ in 0..<3 { bytes.append(UInt8.random(in: 0...255, using: &generator)) }
        return MACAddress(bytes: bytes)!
    }

    public static func randomLibvirt() -> MACAddress {
        var generator = SystemRandomNumberGenerator()
        return randomLibvirt(using: &generator)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = MACAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a MAC address"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
