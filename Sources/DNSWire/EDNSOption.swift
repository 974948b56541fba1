/// One option in an OPT record's RDATA (RFC 6891 §6.1.2): OPTION-CODE, OPTION-LENGTH and the
/// data, kept raw. A server that does not know an option ignores it (RFC 6891 §6.1.2), so
/// nothing here needs to understand cookies, padding or client subnets to pass them on.
public struct EDNSOption: Sendable, Hashable {
    /// RFC 6891 §6.1.2 OPTION-CODE (IANA "DNS EDNS0 Option Codes").
    public var code: UInt16
    /// RFC 6891 §6.1.2 OPTION-DATA; OPTION-LENGTH is its count.
    public var data: [UInt8]

    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }

    /// RFC 7873 §4: DNS cookie.
    public static let cookie: UInt16 = 10
    /// RFC 7830 §3: padding.
    public static let padding: UInt16 = 12
}
