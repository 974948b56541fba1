import DNSWire
import PatchbayModel
import Testing

@Suite struct EDNSAndResponseTests {
    @Test func ednsAccessorAddsReplacesAndRemoves() {
        var message = DNSMessage(additional: [DNSRecord(name: name("ns.example"), ttl: 1, data: .a(IPv4Address(1, 2, 3, 4)))])
        #expect(message.edns == nil)
        message.edns = EDNS(udpPayloadSize: 4096)
        #expect(message.additional.count == 2 && message.additional[1].type == .opt)
        message.edns = EDNS(udpPayloadSize: 1400, dnssecOK: true)
        #expect(message.additional.count == 2)
        #expect(message.edns?.udpPayloadSize == 1400 && message.edns?.dnssecOK == true)
        message.edns = nil
        #expect(message.additional.count == 1 && message.edns == nil)
    }

    /// RFC 6891 §6.2.3: sizes below 512 count as 512.
    @Test func advertisedSizeIsAtLeast512() {
        #expect(EDNS(udpPayloadSize: 0).advertisedUDPSize == 512)
        #expect(EDNS(udpPayloadSize: 511).advertisedUDPSize == 512)
        #expect(EDNS(udpPayloadSize: 4096).advertisedUDPSize == 4096)
        var query = DNSMessage()
        #expect(query.maximumUDPResponseSize == 512)
        query.edns = EDNS(udpPayloadSize: 100)
        #expect(query.maximumUDPResponseSize == 512)
    }

    /// RFC 6891 §6.1.3: TTL = EXTENDED-RCODE, VERSION, DO, Z.
    @Test func ttlFieldsOfOPT() throws {
        let bytes = header(ar: 1) + [0x00, 0x00, 0x29, 0x10, 0x00, 0x01, 0x02, 0x80, 0x05, 0x00, 0x00]
        let edns = try #require(try DNSMessage.parse(bytes).edns)
        #expect(edns.udpPayloadSize == 4096)
        #expect(edns.extendedRcode == 1)
        #expect(edns.version == 2)
        #expect(edns.dnssecOK)
        #expect(edns.z == 5)
        #expect(edns.options.isEmpty)
    }

    /// RFC 6891 §6.1.3: codes above 15 need the OPT record's upper eight bits.
    @Test func extendedResponseCode() throws {
        var response = DNSMessage(header: DNSHeader(isResponse: true))
        response.responseCode = .badVers
        #expect(response.header.rcode == .noError)
        #expect(response.edns?.extendedRcode == 1)
        #expect(response.responseCode == .badVers)
        let bytes = response.encoded()
        #expect(Array(bytes[2..<4]) == [0x80, 0x00])  // header RCODE 0
        #expect(Array(bytes[(12 + 5)..<(12 + 9)]) == [0x01, 0x00, 0x00, 0x00])  // OPT TTL: EXTENDED-RCODE 1
        #expect(try DNSMessage.parse(bytes).responseCode == .badVers)
        response.responseCode = .refused
        #expect(response.header.rcode == .refused && response.edns?.extendedRcode == 0)
        var plain = DNSMessage()
        plain.responseCode = .servFail
        #expect(plain.edns == nil && plain.header.rcode == .servFail)
    }

    /// RFC 1035 §4.1.1: ID, opcode, RD and the question carry over; RFC 4035 §3.2.2: so does CD.
    @Test func responseCopiesWhatItMust() throws {
        var query = try DNSMessage.parse(QueryWireTests.bytes)
        query.header.checkingDisabled = true
        let response = DNSMessage.response(to: query)
        let header = response.header
        #expect(header.id == 0xbeef)
        #expect(header.isResponse)
        #expect(header.opcode == .query)
        #expect(header.recursionDesired)
        #expect(header.checkingDisabled)
        #expect(!header.isAuthoritative && !header.isTruncated && !header.recursionAvailable && !header.authenticData)
        #expect(header.rcode == .noError)
        #expect(response.questions == query.questions)
        #expect(response.answers.isEmpty && response.authority.isEmpty && response.additional.isEmpty)
        let refusal = DNSMessage.response(to: query, responseCode: .refused)
        #expect(refusal.responseCode == .refused)
        var notify = query
        notify.header.opcode = .notify
        notify.header.recursionDesired = false
        let notImp = DNSMessage.response(to: notify, responseCode: .notImp)
        #expect(notImp.header.opcode == .notify && !notImp.header.recursionDesired && notImp.header.rcode == .notImp)
    }

    /// What a server does with a guest's query, end to end on bytes.
    @Test func answeringAQuery() throws {
        let query = try DNSMessage.parse(QueryWireTests.bytes)
        var response = DNSMessage.response(to: query)
        response.header.isAuthoritative = true
        response.answers = [DNSRecord(name: query.questions[0].name, ttl: 0, data: .a(IPv4Address(192, 168, 122, 50)))]
        response.edns = EDNS(udpPayloadSize: 1232)
        let bytes = response.encoded(maxSize: query.maximumUDPResponseSize)
        let expected: [UInt8] = [
            0xbe, 0xef, 0x85, 0x00,  // ID, QR AA RD
            0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,  // 1 question, 1 answer, 1 additional
        ] + Array(QueryWireTests.bytes[12..<33])  // the question as asked
            + [0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xc0, 0xa8, 0x7a, 0x32]
            + [0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]
        #expect(bytes == expected)
    }

    /// The empty message: a header of zeros.
    @Test func emptyMessage() throws {
        #expect(DNSMessage().encoded() == Array(repeating: 0, count: 12))
        #expect(try DNSMessage.parse(Array(repeating: 0, count: 12)) == DNSMessage())
    }

    /// Setting the header's counts has no effect: they follow the sections.
    @Test func headerCountsFollowSections() {
        var message = DNSMessage()
        message.header.answerCount = 9
        #expect(message.header.answerCount == 0)
        message.answers.append(DNSRecord(name: .root, ttl: 0, data: .a(IPv4Address(0))))
        #expect(message.header.answerCount == 1)
        #expect(message.encoded()[7] == 1)
    }
}
