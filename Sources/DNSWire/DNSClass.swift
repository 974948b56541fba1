/// A resource record CLASS or question QCLASS (RFC 1035 §3.2.4, §3.2.5). In an OPT record the
/// same 16 bits carry the sender's UDP payload size instead (RFC 6891 §6.1.2), which is why any
/// value is kept.
public struct DNSClass: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// RFC 1035 §3.2.4: the Internet, the only class guests ask about.
    public static let `in` = DNSClass(1)
    /// RFC 1035 §3.2.4: Chaos, where servers answer "version.bind"-style queries.
    public static let chaos = DNSClass(3)
    /// RFC 1035 §3.2.4: Hesiod.
    public static let hesiod = DNSClass(4)
    /// RFC 1035 §3.2.5 (QCLASS only): any class.
    public static let any = DNSClass(255)

    /// The IANA mnemonic, or "CLASS" and the number for the rest (RFC 3597 §5).
    public var description: String {
        switch rawValue {
        case 1: "IN"
        case 3: "CH"
        case 4: "HS"
        case 254: "NONE"
        case 255: "ANY"
        default: "CLASS\(rawValue)"
        }
    }
}
