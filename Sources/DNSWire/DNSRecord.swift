/// A resource record (RFC 1035 §4.1.3): owner, class, TTL and typed RDATA. TYPE comes from the
/// RDATA, so a record cannot claim one type and carry another's data.
public struct DNSRecord: Sendable, Hashable {
    /// RFC 1035 §4.1.3 NAME: the owner.
    public var name: DNSName
    /// RFC 1035 §4.1.3 CLASS (in an OPT record: the UDP payload size, RFC 6891 §6.1.2).
    public var `class`: DNSClass
    /// RFC 1035 §4.1.3 TTL in seconds. Kept as sent; RFC 2181 §8 says a value with the top bit
    /// set means zero, which `effectiveTTL` applies. (In an OPT record: the extended RCODE,
    /// version and flags, RFC 6891 §6.1.3.)
    public var ttl: UInt32
    /// RFC 1035 §4.1.3 RDATA.
    public var data: DNSRecordData

    public init(name: DNSName, class: DNSClass = .in, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.class = `class`
        self.ttl = ttl
        self.data = data
    }

    /// RFC 1035 §4.1.3 TYPE.
    public var type: DNSType { data.type }

    /// RFC 2181 §8: a TTL above 2^31 - 1 is treated as zero.
    public var effectiveTTL: UInt32 { ttl > UInt32(Int32.max) ? 0 : ttl }

    static func read(from reader: inout DNSReader) throws(DNSWireError) -> DNSRecord {
        let name = try reader.name()
        let type = DNSType(try reader.uint16("TYPE"))
        let `class` = DNSClass(try reader.uint16("CLASS"))
        let ttl = try reader.uint32("TTL")
        let lengthOffset = reader.offset
        let length = Int(try reader.uint16("RDLENGTH"))
        let data = try reader.withRDATA(length: length, lengthOffset: lengthOffset, type: type) {
            (reader: inout DNSReader) throws(DNSWireError) in try DNSRecordData.read(type: type, from: &reader)
        }
        return DNSRecord(name: name, class: `class`, ttl: ttl, data: data)
    }

    /// Whether the RDATA fits RDLENGTH's 16 bits; a record that does not cannot be sent at all.
    var isEncodable: Bool { data.maximumEncodedLength <= Int(UInt16.max) }

    /// Writes the record; the caller has checked `isEncodable`.
    func write(to writer: inout DNSWriter) {
        writer.name(name, compress: true)
        writer.uint16(type.rawValue)
        writer.uint16(`class`.rawValue)
        writer.uint32(ttl)
        let lengthOffset = writer.count
        writer.uint16(0)
        data.write(to: &writer)
        writer.patchUInt16(UInt16(writer.count - lengthOffset - 2), at: lengthOffset)
    }
}
