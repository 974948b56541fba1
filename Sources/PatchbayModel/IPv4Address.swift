/// An IPv4 address held as its 32-bit value in host order, so arithmetic (ranges, masks,
/// allocation) is plain integer arithmetic and the wire layers decide byte order.
public struct IPv4Address: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// Parses dotted-quad notation strictly: four decimal octets, no leading zeros (which some
    /// tools read as octal), nothing else.
    public init?(_ text: some StringProtocol) {
        var octets: [UInt32] = []
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for ch in text.utf8 {
            if ch == UInt8(ascii: ".") {
                guard digits > 0, octets.count < 3 else { return nil }
                octets.append(current)
                current = 0; digits = 0; leadingZero = false
            } else if ch >= UInt8(ascii: "0"), ch <= UInt8(ascii: "9") {
                if digits == 1 && leadingZero { return nil }
                if digits == 0 && ch == UInt8(ascii: "0") { leadingZero = true }
                current = current * 10 + UInt32(ch - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3, current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets.count == 3 else { return nil }
        octets.append(current)
        value = octets[0] << 24 | octets[1] << 16 | octets[2] << 8 | octets[3]
    }

    /// Network byte order, as the kernel and every wire format want it.
    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    /// Inlinable so that callers in other modules get it specialised for their collection (the
    /// generic version was a visible share of reading a DHCP request's options).
    @inlinable
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 else { return nil }
        value = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    /// The prefix length of a contiguous netmask such as 255.255.255.0, or nil when the mask has
    /// holes (libvirt rejects those too).
    public var netmaskPrefixLength: Int? {
        let ones = value.nonzeroBitCount
        let expected: UInt32 = ones == 0 ? 0 : ~UInt32(0) << (32 - ones)
        return value == expected ? ones : nil
    }

    public static func netmask(prefixLength: Int) -> IPv4Address {
        IPv4Address(prefixLength == 0 ? 0 : ~UInt32(0) << (32 - prefixLength))
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not an IPv4 address"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
