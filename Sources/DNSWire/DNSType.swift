/// A resource record TYPE or question QTYPE (RFC 1035 §3.2.2, §3.2.3), kept as its 16-bit code
/// so that types this package does not know still travel (RFC 3597). Names are IANA's mnemonics
/// from the "Resource Record (RR) TYPEs" registry.
public struct DNSType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// RFC 1035 §3.4.1: a host address (IPv4).
    public static let a = DNSType(1)
    /// RFC 1035 §3.3.11: an authoritative name server.
    public static let ns = DNSType(2)
    /// RFC 1035 §3.3.1: the canonical name for an alias.
    public static let cname = DNSType(5)
    /// RFC 1035 §3.3.13: start of a zone of authority.
    public static let soa = DNSType(6)
    /// RFC 1035 §3.3.12: a domain name pointer (reverse lookups).
    public static let ptr = DNSType(12)
    /// RFC 1035 §3.3.9: mail exchange.
    public static let mx = DNSType(15)
    /// RFC 1035 §3.3.14: text strings.
    public static let txt = DNSType(16)
    /// RFC 3596 §2.1: an IPv6 host address.
    public static let aaaa = DNSType(28)
    /// RFC 2782: service location.
    public static let srv = DNSType(33)
    /// RFC 6891 §6.1.1: the EDNS(0) pseudo-record.
    public static let opt = DNSType(41)
    /// RFC 1035 §3.2.3 (QTYPE only): all records, "*" in RFC 1035, ANY in IANA's registry.
    public static let any = DNSType(255)

    private static let mnemonics: [UInt16: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT",
        28: "AAAA", 33: "SRV", 35: "NAPTR", 39: "DNAME", 41: "OPT", 43: "DS", 46: "RRSIG",
        47: "NSEC", 48: "DNSKEY", 50: "NSEC3", 64: "SVCB", 65: "HTTPS", 250: "TSIG",
        251: "IXFR", 252: "AXFR", 255: "ANY", 257: "CAA",
    ]

    /// The IANA mnemonic, or "TYPE" and the number for the rest (RFC 3597 §5).
    public var description: String { Self.mnemonics[rawValue] ?? "TYPE\(rawValue)" }
}
