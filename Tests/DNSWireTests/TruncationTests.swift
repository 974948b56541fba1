import DNSWire
import PatchbayModel
import Testing

/// `encoded(maxSize:)`: RFC 2181 §9 (whole RRsets, TC only when a needed RRset is lost) and
/// RFC 6891 §7 (the OPT record stays).
@Suite struct TruncationTests {
    static func a(_ owner: String, _ last: UInt8) -> DNSRecord {
        DNSRecord(name: name(owner), ttl: 60, data: .a(IPv4Address(10, 0, 0, last)))
    }

    @Test func byteExactCut() throws {
        var message = DNSMessage(header: DNSHeader(id: 0x0102, isResponse: true),
                                 questions: [DNSQuestion(name: name("x"), type: .a)],
                                 answers: [Self.a("x", 1), Self.a("y", 2)])
        message.edns = EDNS(udpPayloadSize: 1232)
        #expect(message.encoded().count == 63)
        let expected: [UInt8] = [
            0x01, 0x02,  // ID
            0x82, 0x00,  // QR=1, TC=1
            0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,  // QDCOUNT 1, ANCOUNT 1 (of 2), NSCOUNT 0, ARCOUNT 1 (OPT)
            0x01, 0x78, 0x00, 0x00, 0x01, 0x00, 0x01,  // question x. A IN
            0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0x0a, 0x00, 0x00, 0x01,  // x. A 10.0.0.1
            // y. A 10.0.0.2 (17 bytes) would make 63 > 50: dropped.
            0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // OPT, kept
        ]
        #expect(message.encoded(maxSize: 50) == expected)
        // 46 bytes is exactly enough for that; 45 is not, and loses the first answer too.
        #expect(message.encoded(maxSize: 46) == expected)
        let shorter = try DNSMessage.parse(message.encoded(maxSize: 45))
        #expect(shorter.answers.isEmpty && shorter.header.isTruncated && shorter.edns == message.edns)
    }

    @Test func fittingMessagesAreUntouched() {
        let message = DNSMessage(header: DNSHeader(isResponse: true), answers: [Self.a("x", 1)])
        let whole = message.encoded()
        #expect(message.encoded(maxSize: whole.count) == whole)
        #expect(message.encoded(maxSize: 65535) == whole)
    }

    /// Many RRsets against the classic 512-byte limit: the most that fits is kept, ending on an
    /// RRset boundary, TC is set, and the OPT record survives.
    @Test func dropsWholeRRsetsFromTheEnd() throws {
        var answers: [DNSRecord] = []
        for index in 0..<30 {
            let owner = "host\(index).guests.example"
            answers += [Self.a(owner, 1), Self.a(owner, 2), Self.a(owner, 3)]  // one RRset of three
        }
        var message = DNSMessage(header: DNSHeader(id: 9, isResponse: true),
                                 questions: [DNSQuestion(name: name("guests.example"), type: .any)], answers: answers)
        message.edns = EDNS(udpPayloadSize: 512, dnssecOK: true)
        let bytes = message.encoded(maxSize: 512)
        #expect(bytes.count <= 512)
        let cut = try DNSMessage.parse(bytes)
        #expect(cut.header.isTruncated)
        #expect(cut.edns == message.edns)
        #expect(cut.questions == message.questions)
        #expect(!cut.answers.isEmpty)
        #expect(cut.answers.count % 3 == 0)  // never part of an RRset
        #expect(Array(message.answers.prefix(cut.answers.count)) == cut.answers)
        // And as much as fits: one more RRset would not have.
        var more = cut
        more.answers = Array(message.answers.prefix(cut.answers.count + 3))
        more.header.isTruncated = false
        #expect(more.encoded().count > 512)
    }

    /// Additional records are extra information: dropping them does not set TC (RFC 2181 §9).
    /// The OPT record, first in the section here, is kept and goes last.
    @Test func losingAdditionalOnlyDoesNotSetTC() throws {
        let glue = (0..<40).map { Self.a("ns\($0).example", UInt8($0)) }
        var message = DNSMessage(header: DNSHeader(isResponse: true),
                                 questions: [DNSQuestion(name: name("example"), type: .ns)],
                                 answers: [DNSRecord(name: name("example"), ttl: 60, data: .ns(name("ns0.example")))],
                                 additional: [EDNS().record] + glue)
        #expect(message.encoded().count > 512)
        let cut = try DNSMessage.parse(message.encoded(maxSize: 512))
        #expect(!cut.header.isTruncated)
        #expect(cut.answers == message.answers)
        #expect(cut.additional.last?.type == .opt)
        #expect(cut.additional.count < message.additional.count)
        #expect(Array(cut.additional.dropLast()) == Array(glue.prefix(cut.additional.count - 1)))
        message.additional = [EDNS().record]
        #expect(cut.edns == message.edns)
    }

    @Test func authorityLossSetsTC() throws {
        let message = DNSMessage(header: DNSHeader(isResponse: true),
                                 authority: (0..<40).map { DNSRecord(name: name("z\($0).example"), ttl: 1, data: .ns(name("ns.example"))) })
        let cut = try DNSMessage.parse(message.encoded(maxSize: 512))
        #expect(cut.header.isTruncated)
        #expect(cut.authority.count < 40)
    }

    /// When even the header, question and OPT exceed the limit, that much is still sent, with
    /// TC, so the client learns to retry over TCP.
    @Test func questionAndOPTAlwaysStay() throws {
        var message = DNSMessage(header: DNSHeader(isResponse: true),
                                 questions: [DNSQuestion(name: name("x"), type: .a)], answers: [Self.a("x", 1)])
        message.edns = EDNS(options: [EDNSOption(code: EDNSOption.padding, data: Array(repeating: 0, count: 100))])
        let bytes = message.encoded(maxSize: 20)
        let cut = try DNSMessage.parse(bytes)
        #expect(bytes.count == 12 + 7 + 11 + 104)
        #expect(cut.header.isTruncated && cut.answers.isEmpty && cut.edns == message.edns && cut.questions == message.questions)
    }

    /// A message that already says TC keeps saying it.
    @Test func existingTCIsKept() throws {
        let message = DNSMessage(header: DNSHeader(isResponse: true, isTruncated: true), answers: [Self.a("x", 1)])
        #expect(try DNSMessage.parse(message.encoded()).header.isTruncated)
        #expect(try DNSMessage.parse(message.encoded(maxSize: 12)).header.isTruncated)
    }
}
