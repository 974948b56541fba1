import PatchbayModel

/// Reverse-mapping names for PTR lookups: what a guest asks when it runs `host 192.168.122.5`.
extension DNSName {
    private static let inAddrArpa: [[UInt8]] = [Array("in-addr".utf8), Array("arpa".utf8)]
    private static let ip6Arpa: [[UInt8]] = [Array("ip6".utf8), Array("arpa".utf8)]
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The name under which the PTR record for `address` lives: the octets of an IPv4 address in
    /// reverse under in-addr.arpa (RFC 1035 §3.5), or the nibbles of an IPv6 address in reverse,
    /// as lower-case hex digits, under ip6.arpa (RFC 3596 §2.5).
    public init(reverseFor address: IPAddress) {
        switch address {
        case .v4(let v4):
            let octets = v4.bytes.reversed().map { Array(String($0).utf8) }
            self.init(uncheckedLabels: octets + Self.inAddrArpa)
        case .v6(let v6):
            var nibbles: [[UInt8]] = []
            for byte in v6.bytes.reversed() {
                nibbles.append([Self.hexDigits[Int(byte & 0x0F)]])
                nibbles.append([Self.hexDigits[Int(byte >> 4)]])
            }
            self.init(uncheckedLabels: nibbles + Self.ip6Arpa)
        }
    }

    /// The address a complete reverse name stands for, or nil when this is not one: four decimal
    /// octets (no leading zeros) under in-addr.arpa, or 32 single hex nibbles under ip6.arpa.
    /// Partial names such as "122.168.192.in-addr.arpa" (a zone, not an address) give nil.
    public var ipAddress: IPAddress? {
        if labels.count == 6, labelsEqual(labels[4], Self.inAddrArpa[0]), labelsEqual(labels[5], Self.inAddrArpa[1]) {
            var octets: [UInt8] = []
            for label in labels[0..<4].reversed() {
                guard let octet = Self.decimalOctet(label) else { return nil }
                octets.append(octet)
            }
            return IPv4Address(bytes: octets).map { .v4($0) }
        }
        if labels.count == 34, labelsEqual(labels[32], Self.ip6Arpa[0]), labelsEqual(labels[33], Self.ip6Arpa[1]) {
            var nibbles: [UInt8] = []
            for label in labels[0..<32].reversed() {
                guard label.count == 1, let nibble = Self.hexValue(label[0]) else { return nil }
                nibbles.append(nibble)
            }
            let bytes = stride(from: 0, to: 32, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
            return IPv6Address(bytes: bytes).map { .v6($0) }
        }
        return nil
    }

    private static func decimalOctet(_ label: [UInt8]) -> UInt8? {
        guard (1...3).contains(label.count), label.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        // A leading zero ("01") is not how any resolver writes an octet; refuse rather than guess.
        if label.count > 1 && label[0] == 48 { return nil }
        let value = label.reduce(0) { $0 * 10 + Int($1 - 48) }
        return value <= 255 ? UInt8(value) : nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }
}
