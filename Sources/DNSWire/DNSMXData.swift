/// MX RDATA (RFC 1035 §3.3.9). Decoded rather than kept raw because its name may be
/// compressed: raw bytes would carry pointers that mean nothing once the message is rewritten.
public struct DNSMXData: Sendable, Hashable {
    /// RFC 1035 §3.3.9 PREFERENCE: lower is preferred.
    public var preference: UInt16
    /// RFC 1035 §3.3.9 EXCHANGE: the mail host.
    public var exchange: DNSName

    public init(preference: UInt16, exchange: DNSName) {
        self.preference = preference
        self.exchange = exchange
    }
}
