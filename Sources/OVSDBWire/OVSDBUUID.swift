/// A row's UUID as OVSDB writes it (RFC 7047 §5.1 <uuid>: `["uuid", "550e8400-e29b-41d4-a716-446655440000"]`):
/// 36 characters, hex digits in groups of 8-4-4-4-12. Kept in lowercase, as ovsdb-server writes
/// it, so two spellings of one UUID compare equal.
public struct OVSDBUUID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let string: String

    /// Nil unless `string` has the 8-4-4-4-12 form.
    public init?(_ string: String) {
        let utf8 = Array(string.utf8)
        guard utf8.count == 36 else { return nil }
        for (index, byte) in utf8.enumerated() {
            switch index {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return nil }
            default:
                let isHex = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
                guard isHex else { return nil }
            }
        }
        self.string = String(decoding: utf8.map { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) ? $0 + 0x20 : $0 },
                             as: UTF8.self)
    }

    public var description: String { string }

    public static func < (lhs: OVSDBUUID, rhs: OVSDBUUID) -> Bool { lhs.string < rhs.string }

    /// `["uuid", "..."]`
    public var json: JSONValue { ["uuid", .string(string)] }
}

/// The name an operation gives the row it inserts (`"uuid-name"`, RFC 7047 §5.2.1), so later
/// operations of the same transaction can refer to it as `["named-uuid", name]`. It must be an
/// <id> (§3.1: a letter or underscore, then letters, digits and underscores).
public struct OVSDBNamedUUID: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public init?(_ name: String) {
        guard let first = name.utf8.first, Self.isLetter(first) else { return nil }
        guard name.utf8.allSatisfy({ Self.isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        self.name = name
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    public var description: String { name }

    /// `["named-uuid", "..."]`
    public var json: JSONValue { ["named-uuid", .string(name)] }
}
