/// A response code (RFC 1035 §4.1.1 RCODE; IANA "DNS RCODEs"). Codes above 15 exist only with
/// EDNS: the header holds the low four bits and the OPT record the high eight (RFC 6891 §6.1.3),
/// so this type holds the whole 12-bit value and `DNSMessage.responseCode` splits it.
public struct DNSResponseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// RFC 1035 §4.1.1: no error.
    public static let noError = DNSResponseCode(0)
    /// RFC 1035 §4.1.1: the server could not interpret the query.
    public static let formErr = DNSResponseCode(1)
    /// RFC 1035 §4.1.1: the server failed (an upstream did not answer, for a forwarder).
    public static let servFail = DNSResponseCode(2)
    /// RFC 1035 §4.1.1: the name does not exist (only an authoritative server may say so).
    public static let nxDomain = DNSResponseCode(3)
    /// RFC 1035 §4.1.1: the server does not support this kind of query.
    public static let notImp = DNSResponseCode(4)
    /// RFC 1035 §4.1.1: the server will not answer, by policy.
    public static let refused = DNSResponseCode(5)
    /// RFC 6891 §9: the client's EDNS version is not supported (needs an OPT record).
    public static let badVers = DNSResponseCode(16)

    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 6: "YXDOMAIN"
        case 7: "YXRRSET"
        case 8: "NXRRSET"
        case 9: "NOTAUTH"
        case 10: "NOTZONE"
        case 16: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}
