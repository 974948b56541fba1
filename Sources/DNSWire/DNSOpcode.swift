/// The kind of query, four bits of the header (RFC 1035 §4.1.1; IANA "DNS OpCodes").
public struct DNSOpcode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// Only the low four bits go on the wire.
    public var rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    /// RFC 1035 §4.1.1: a standard query.
    public static let query = DNSOpcode(0)
    /// RFC 3425: inverse query, obsolete.
    public static let iquery = DNSOpcode(1)
    /// RFC 1035 §4.1.1: a server status request.
    public static let status = DNSOpcode(2)
    /// RFC 1996: zone change notification.
    public static let notify = DNSOpcode(4)
    /// RFC 2136: dynamic update.
    public static let update = DNSOpcode(5)

    public var description: String {
        switch rawValue {
        case 0: "QUERY"
        case 1: "IQUERY"
        case 2: "STATUS"
        case 4: "NOTIFY"
        case 5: "UPDATE"
        case 6: "DSO"
        default: "OPCODE\(rawValue)"
        }
    }
}
