/// A 128-bit UUID in libvirt's text form (lower-case 8-4-4-4-12). Patchbay's pure targets do not
/// link Foundation, so this is its own small type rather than Foundation.UUID.
public struct NetworkUUID: Sendable, Hashable, Codable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Accepts what libvirt's `virUUIDParse` accepts: 32 hex digits, optionally split by dashes
    /// anywhere between byte pairs, with surrounding blanks.
    public init?(_ text: some StringProtocol) {
        var digits: [UInt8] = []
        let trimmed = text.drop(while: { $0 == " " || $0 == "\t" })
        var tail = false
        for ch in trimmed.utf8 {
            if tail {
                guard ch == UInt8(ascii: " ") || ch == UInt8(ascii: "\t") else { return nil }
                continue
            }
            switch ch {
            case UInt8(ascii: "-"):
                guard digits.count % 2 == 0, !digits.isEmpty, digits.count < 32 else { return nil }
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                tail = true
            default:
                guard let v = Self.hexValue(ch), digits.count < 32 else { return nil }
                digits.append(v)
            }
        }
        guard digits.count == 32 else { return nil }
        bytes = stride(from: 0, to: 32, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    private static func hexValue(_ ch: UInt8) -> UInt8? {
        switch ch {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): ch - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): ch - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): ch - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// A random version-4 UUID (RFC 9562 §5.4), as libvirt generates on define when none is given.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> NetworkUUID {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0f | 0x40
        bytes[8] = bytes[8] & 0x3f | 0x80
        return NetworkUUID(bytes: bytes)!
    }

    public static func random() -> NetworkUUID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public var description: String {
        let hex = bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = NetworkUUID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a UUID"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
