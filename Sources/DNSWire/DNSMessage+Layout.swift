/// Where the parts of a received message sit in its bytes, for a cache that hands the same
/// bytes out again: it rewrites the ID, the question (a client's own letter case, RFC 5452
/// §9.1 "0x20" randomisation) and each record's TTL, counted down, in place, instead of parsing
/// and encoding the whole message for every answer.
public struct DNSMessageLayout: Sendable, Hashable {
    /// The first byte after the question section.
    public var questionEnd: Int
    /// The offset of each record's TTL field, in message order (answer, authority, additional),
    /// an OPT record's included (its "TTL" holds EDNS flags, RFC 6891 §6.1.3: the caller skips
    /// it by the record's type).
    public var ttlOffsets: [Int]
}

extension DNSMessage {
    /// Where a question section of `questions` ends: the header, then each name in wire form
    /// (uncompressed: a question's name is the first in its message) with QTYPE and QCLASS.
    public static func questionSectionEnd(_ questions: [DNSQuestion]) -> Int {
        DNSHeader.length + questions.reduce(0) { $0 + $1.name.wireLength + 4 }
    }

    /// The layout of `bytes`, walked with the same checks as `parse` for names, counts and
    /// lengths; RDATA is skipped, not read (call `parse` first when its content matters).
    public static func layout(_ bytes: [UInt8]) throws(DNSWireError) -> DNSMessageLayout {
        try bytes.withDNSBytes { (raw) throws(DNSWireError) in try layout(raw) }
    }

    public static func layout(_ bytes: UnsafeRawBufferPointer) throws(DNSWireError) -> DNSMessageLayout {
        let header = try DNSHeader.parse(bytes)
        var reader = DNSReader(bytes, offset: DNSHeader.length)
        _ = try readQuestions(&reader, count: header.questionCount)
        let questionEnd = reader.offset
        let records = Int(header.answerCount) + Int(header.authorityCount) + Int(header.additionalCount)
        var offsets: [Int] = []
        offsets.reserveCapacity(records)
        for index in 0..<records {
            guard !reader.atEnd else {
                throw DNSWireError(.countExceedsData, "the header promises \(records) records; the message ends after \(index)",
                                   offset: reader.offset)
            }
            _ = try reader.name()
            _ = try reader.uint16("TYPE")
            _ = try reader.uint16("CLASS")
            offsets.append(reader.offset)
            _ = try reader.uint32("TTL")
            let length = Int(try reader.uint16("RDLENGTH"))
            try reader.skip(length, "RDATA")
        }
        return DNSMessageLayout(questionEnd: questionEnd, ttlOffsets: offsets)
    }
}
