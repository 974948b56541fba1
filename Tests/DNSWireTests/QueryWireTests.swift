import DNSWire
import PatchbayModel
import Testing

/// A query byte for byte: what `dig www.example.com A` sends (RD and AD set, EDNS with a
/// 1232-byte payload and a client cookie).
@Suite struct QueryWireTests {
    static let bytes: [UInt8] = [
        0xbe, 0xef,  // ID
        0x01, 0x20,  // QR=0 OPCODE=QUERY AA=0 TC=0 RD=1 | RA=0 Z=0 AD=1 CD=0 RCODE=0
        0x00, 0x01,  // QDCOUNT 1
        0x00, 0x00,  // ANCOUNT 0
        0x00, 0x00,  // NSCOUNT 0
        0x00, 0x01,  // ARCOUNT 1 (the OPT record)
        // question, offset 12
        0x03, 0x77, 0x77, 0x77,  // "www"
        0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,  // "example"
        0x03, 0x63, 0x6f, 0x6d,  // "com"
        0x00,  // root
        0x00, 0x01,  // QTYPE A
        0x00, 0x01,  // QCLASS IN
        // additional: OPT, offset 33
        0x00,  // NAME root (RFC 6891 §6.1.2)
        0x00, 0x29,  // TYPE OPT (41)
        0x04, 0xd0,  // CLASS = UDP payload size 1232
        0x00,  // EXTENDED-RCODE 0
        0x00,  // VERSION 0
        0x00, 0x00,  // DO=0, Z=0
        0x00, 0x0c,  // RDLENGTH 12
        0x00, 0x0a,  // OPTION-CODE 10 (COOKIE)
        0x00, 0x08,  // OPTION-LENGTH 8
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // client cookie
    ]

    static var message: DNSMessage {
        var query = DNSMessage(header: DNSHeader(id: 0xbeef, recursionDesired: true, authenticData: true),
                               questions: [DNSQuestion(name: name("www.example.com"), type: .a)])
        query.edns = EDNS(udpPayloadSize: 1232, options: [EDNSOption(code: EDNSOption.cookie, data: [1, 2, 3, 4, 5, 6, 7, 8])])
        return query
    }

    @Test func encodesByteForByte() {
        #expect(Self.message.encoded() == Self.bytes)
    }

    @Test func parsesEveryField() throws {
        let query = try DNSMessage.parse(Self.bytes)
        #expect(query == Self.message)
        let header = query.header
        #expect(header.id == 0xbeef)
        #expect(!header.isResponse)
        #expect(header.opcode == .query)
        #expect(!header.isAuthoritative && !header.isTruncated && !header.recursionAvailable)
        #expect(header.recursionDesired)
        #expect(header.authenticData)
        #expect(!header.checkingDisabled && !header.z)
        #expect(header.rcode == .noError)
        #expect(header.questionCount == 1 && header.answerCount == 0 && header.authorityCount == 0 && header.additionalCount == 1)
        #expect(query.questions == [DNSQuestion(name: name("www.example.com"), type: .a, class: .in)])
        let edns = try #require(query.edns)
        #expect(edns.udpPayloadSize == 1232)
        #expect(edns.version == 0 && edns.extendedRcode == 0 && !edns.dnssecOK)
        #expect(edns.options == [EDNSOption(code: 10, data: [1, 2, 3, 4, 5, 6, 7, 8])])
        #expect(query.maximumUDPResponseSize == 1232)
    }

    @Test func headerAlone() throws {
        let header = try DNSHeader.parse(Self.bytes)
        #expect(header.encoded() == Array(Self.bytes[0..<12]))
        #expect(header.flags == 0x0120)
    }

    /// RFC 1035 §4.1.1 and RFC 4035 §3.2: one flag per bit, opcode and rcode four bits each.
    @Test func everyHeaderBit() {
        let cases: [(UInt16, (inout DNSHeader) -> Void)] = [
            (0x8000, { $0.isResponse = true }),
            (0x7800, { $0.opcode = DNSOpcode(15) }),
            (0x2800, { $0.opcode = .update }),
            (0x0400, { $0.isAuthoritative = true }),
            (0x0200, { $0.isTruncated = true }),
            (0x0100, { $0.recursionDesired = true }),
            (0x0080, { $0.recursionAvailable = true }),
            (0x0040, { $0.z = true }),
            (0x0020, { $0.authenticData = true }),
            (0x0010, { $0.checkingDisabled = true }),
            (0x0003, { $0.rcode = .nxDomain }),
            (0x000f, { $0.rcode = DNSResponseCode(15) }),
        ]
        for (flags, set) in cases {
            var header = DNSHeader()
            set(&header)
            #expect(header.flags == flags)
            var back = DNSHeader()
            back.flags = flags
            #expect(back == header)
        }
    }

    @Test func questionWithoutEDNS() throws {
        let bytes = header(id: 1, flags: 0x0100, qd: 1) + wire("vm1.lan") + [0x00, 0x1c, 0x00, 0x01]
        let query = try DNSMessage.parse(bytes)
        #expect(query.questions.first?.type == .aaaa)
        #expect(query.edns == nil)
        #expect(query.maximumUDPResponseSize == 512)
        #expect(query.encoded() == bytes)
    }
}
