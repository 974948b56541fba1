/// The EDNS(0) view of an OPT pseudo-record (RFC 6891 §6.1): what the client can receive and
/// which extensions it speaks. On the wire these ride in the OPT record's CLASS and TTL fields;
/// this type names them.
public struct EDNS: Sendable, Hashable {
    /// RFC 1035 §4.2.1: the UDP message size without EDNS, and the least RFC 6891 §6.2.3 lets a
    /// client advertise.
    public static let minimumUDPPayloadSize = 512
    /// The 2020 DNS flag day's default: avoids IP fragmentation on any common path MTU.
    public static let defaultUDPPayloadSize: UInt16 = 1232

    /// RFC 6891 §6.1.2 CLASS: the largest UDP payload the sender can reassemble.
    public var udpPayloadSize: UInt16
    /// RFC 6891 §6.1.3 EXTENDED-RCODE: the upper eight bits of the 12-bit response code.
    public var extendedRcode: UInt8
    /// RFC 6891 §6.1.3 VERSION: 0 is the only one defined.
    public var version: UInt8
    /// RFC 3225 §3 DO: the sender wants DNSSEC records.
    public var dnssecOK: Bool
    /// RFC 6891 §6.1.4 Z: the other 15 flag bits, zero until assigned; kept to round-trip.
    public var z: UInt16
    /// RFC 6891 §6.1.2 RDATA: the options, raw.
    public var options: [EDNSOption]

    public init(udpPayloadSize: UInt16 = defaultUDPPayloadSize, extendedRcode: UInt8 = 0, version: UInt8 = 0,
                dnssecOK: Bool = false, z: UInt16 = 0, options: [EDNSOption] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRcode = extendedRcode
        self.version = version
        self.dnssecOK = dnssecOK
        self.z = z & 0x7FFF
        self.options = options
    }

    /// Reads an OPT record; nil for any other type.
    public init?(_ record: DNSRecord) {
        guard case .opt(let options) = record.data else { return nil }
        self.init(udpPayloadSize: record.class.rawValue, extendedRcode: UInt8(record.ttl >> 24),
                  version: UInt8(record.ttl >> 16 & 0xFF), dnssecOK: record.ttl & 0x8000 != 0,
                  z: UInt16(record.ttl & 0x7FFF), options: options)
    }

    /// The OPT record: owner root (RFC 6891 §6.1.2), CLASS the payload size, TTL
    /// EXTENDED-RCODE(31-24) VERSION(23-16) DO(15) Z(14-0) (RFC 6891 §6.1.3).
    public var record: DNSRecord {
        let ttl = UInt32(extendedRcode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0) | UInt32(z & 0x7FFF)
        return DNSRecord(name: .root, class: DNSClass(udpPayloadSize), ttl: ttl, data: .opt(options))
    }

    /// The size a response to this sender may have over UDP: what it advertised, but never
    /// below 512 (RFC 6891 §6.2.3: smaller values are treated as 512).
    public var advertisedUDPSize: Int { max(Self.minimumUDPPayloadSize, Int(udpPayloadSize)) }
}
