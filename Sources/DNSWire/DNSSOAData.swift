/// SOA RDATA (RFC 1035 §3.3.13): the zone's primary server, its contact, and the timers
/// secondaries use. An authoritative server puts it in the authority section of NXDOMAIN and
/// NODATA answers, where `minimum` is the negative-caching TTL (RFC 2308 §4).
public struct DNSSOAData: Sendable, Hashable {
    /// RFC 1035 §3.3.13 MNAME: the primary name server.
    public var primary: DNSName
    /// RFC 1035 §3.3.13 RNAME: the responsible mailbox, its "@" written as the first dot.
    public var responsible: DNSName
    /// RFC 1035 §3.3.13 SERIAL: the zone version, compared in serial arithmetic (RFC 1982).
    public var serial: UInt32
    /// RFC 1035 §3.3.13 REFRESH: seconds between secondaries' checks.
    public var refresh: UInt32
    /// RFC 1035 §3.3.13 RETRY: seconds before a failed refresh is retried.
    public var retry: UInt32
    /// RFC 1035 §3.3.13 EXPIRE: seconds after which a secondary stops answering.
    public var expire: UInt32
    /// RFC 1035 §3.3.13 MINIMUM, which RFC 2308 §4 made the TTL of negative answers.
    public var minimum: UInt32

    public init(primary: DNSName, responsible: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32,
                expire: UInt32, minimum: UInt32) {
        self.primary = primary
        self.responsible = responsible
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}
