/// A DNS message (RFC 1035 §4.1): header, then the question, answer, authority and additional
/// sections. `parse` reads one from a UDP datagram or a TCP frame's payload; `encoded` writes
/// one, compressing names, and can truncate it to fit a UDP response size.
public struct DNSMessage: Sendable, Hashable {
    /// The header without its counts, which are derived from the sections.
    private var flagsHeader: DNSHeader

    /// RFC 1035 §4.1.2: the question section (one entry in practice).
    public var questions: [DNSQuestion]
    /// RFC 1035 §4.1.3: records that answer the question.
    public var answers: [DNSRecord]
    /// RFC 1035 §4.1.3: records naming the authority (NS, or SOA in a negative answer).
    public var authority: [DNSRecord]
    /// RFC 1035 §4.1.3: records that help use the others, and the OPT pseudo-record (RFC 6891
    /// §6.1.1).
    public var additional: [DNSRecord]

    public init(header: DNSHeader = DNSHeader(), questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
                authority: [DNSRecord] = [], additional: [DNSRecord] = []) {
        flagsHeader = Self.withoutCounts(header)
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
    }

    /// The header; its counts always match the sections (setting them has no effect).
    public var header: DNSHeader {
        get {
            var header = flagsHeader
            header.questionCount = UInt16(clamping: questions.count)
            header.answerCount = UInt16(clamping: answers.count)
            header.authorityCount = UInt16(clamping: authority.count)
            header.additionalCount = UInt16(clamping: additional.count)
            return header
        }
        set { flagsHeader = Self.withoutCounts(newValue) }
    }

    private static func withoutCounts(_ header: DNSHeader) -> DNSHeader {
        var header = header
        header.questionCount = 0
        header.answerCount = 0
        header.authorityCount = 0
        header.additionalCount = 0
        return header
    }

    // MARK: Parsing

    /// Reads a whole message. Every length and count is checked against the bytes, compression
    /// pointers are followed only backwards and a bounded number of times, and OPT must obey
    /// RFC 6891 §6.1.1 (additional section only, at most one, owned by the root), so that a
    /// server can answer any failure here with FORMERR. Bytes after the last record are
    /// ignored: they carry nothing the message means.
    public static func parse(_ bytes: [UInt8]) throws(DNSWireError) -> DNSMessage {
        try bytes.withDNSBytes { (raw) throws(DNSWireError) in try parse(raw) }
    }

    /// `parse` of bytes that stay valid only for the call, such as a channel's receive buffer.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(DNSWireError) -> DNSMessage {
        let header = try DNSHeader.parse(bytes)
        var reader = DNSReader(bytes, offset: DNSHeader.length)
        var message = DNSMessage(header: header)
        message.questions = try readQuestions(&reader, count: header.questionCount)
        message.answers = try readRecords(&reader, count: header.answerCount, section: .answer)
        message.authority = try readRecords(&reader, count: header.authorityCount, section: .authority)
        message.additional = try readRecords(&reader, count: header.additionalCount, section: .additional)
        return message
    }

    /// The header and question section alone, for a reply that needs only its question checked
    /// (a forwarder matching an upstream's answer to its query); the records after it are not
    /// read.
    public static func parseQuestions(_ bytes: [UInt8]) throws(DNSWireError) -> (header: DNSHeader, questions: [DNSQuestion]) {
        try bytes.withDNSBytes { (raw) throws(DNSWireError) in try parseQuestions(raw) }
    }

    public static func parseQuestions(_ bytes: UnsafeRawBufferPointer) throws(DNSWireError) -> (header: DNSHeader, questions: [DNSQuestion]) {
        let header = try DNSHeader.parse(bytes)
        var reader = DNSReader(bytes, offset: DNSHeader.length)
        return (header, try readQuestions(&reader, count: header.questionCount))
    }

    static func readQuestions(_ reader: inout DNSReader, count: UInt16) throws(DNSWireError) -> [DNSQuestion] {
        var questions: [DNSQuestion] = []
        for index in 0..<Int(count) {
            try expectEntry(reader, index: index, of: count, section: "question")
            questions.append(try DNSQuestion.read(from: &reader))
        }
        return questions
    }

    private enum Section: String {
        case answer, authority, additional
    }

    private static func expectEntry(_ reader: DNSReader, index: Int, of count: UInt16, section: String) throws(DNSWireError) {
        guard reader.atEnd else { return }
        throw DNSWireError(.countExceedsData,
                           "the header promises \(count) \(section) entries; the message ends after \(index)",
                           offset: reader.offset)
    }

    private static func readRecords(_ reader: inout DNSReader, count: UInt16, section: Section) throws(DNSWireError) -> [DNSRecord] {
        var records: [DNSRecord] = []
        var sawOPT = false
        for index in 0..<Int(count) {
            try expectEntry(reader, index: index, of: count, section: section.rawValue)
            let start = reader.offset
            let record = try DNSRecord.read(from: &reader)
            if record.type == .opt {
                guard section == .additional else {
                    throw DNSWireError(.invalidOPT, "OPT record in the \(section) section (RFC 6891 §6.1.1)", offset: start)
                }
                guard !sawOPT else {
                    throw DNSWireError(.invalidOPT, "a second OPT record (RFC 6891 §6.1.1)", offset: start)
                }
                guard record.name.isRoot else {
                    throw DNSWireError(.invalidOPT, "OPT record owned by \(record.name), not the root (RFC 6891 §6.1.2)",
                                       offset: start)
                }
                sawOPT = true
            }
            records.append(record)
        }
        return records
    }
}
