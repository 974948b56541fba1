import DNSWire
import PatchbayModel
import Testing

/// A response byte for byte, with name compression (RFC 1035 §4.1.4): every name after the
/// question ends in a pointer to the longest suffix already written.
@Suite struct ResponseWireTests {
    static let bytes: [UInt8] = [
        0xbe, 0xef,  // ID
        0x85, 0x80,  // QR=1 OPCODE=QUERY AA=1 TC=0 RD=1 | RA=1 Z=0 AD=0 CD=0 RCODE=NOERROR
        0x00, 0x01,  // QDCOUNT 1
        0x00, 0x02,  // ANCOUNT 2
        0x00, 0x01,  // NSCOUNT 1
        0x00, 0x02,  // ARCOUNT 2
        // question, offset 12: www(12) example(16) com(24) root(28)
        0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00,
        0x00, 0x01, 0x00, 0x01,  // QTYPE A, QCLASS IN
        // answer 1, offset 33: www.example.com CNAME web.example.com
        0xc0, 0x0c,  // NAME → 12 (www.example.com)
        0x00, 0x05,  // TYPE CNAME
        0x00, 0x01,  // CLASS IN
        0x00, 0x00, 0x01, 0x2c,  // TTL 300
        0x00, 0x06,  // RDLENGTH 6
        0x03, 0x77, 0x65, 0x62, 0xc0, 0x10,  // "web" (offset 45) + pointer → 16 (example.com)
        // answer 2, offset 51: web.example.com A 192.168.122.10
        0xc0, 0x2d,  // NAME → 45 (web.example.com)
        0x00, 0x01,  // TYPE A
        0x00, 0x01,  // CLASS IN
        0x00, 0x00, 0x01, 0x2c,  // TTL 300
        0x00, 0x04,  // RDLENGTH 4
        0xc0, 0xa8, 0x7a, 0x0a,  // 192.168.122.10
        // authority, offset 67: example.com NS ns.example.com
        0xc0, 0x10,  // NAME → 16 (example.com)
        0x00, 0x02,  // TYPE NS
        0x00, 0x01,  // CLASS IN
        0x00, 0x00, 0x0e, 0x10,  // TTL 3600
        0x00, 0x05,  // RDLENGTH 5
        0x02, 0x6e, 0x73, 0xc0, 0x10,  // "ns" (offset 79) + pointer → 16
        // additional 1, offset 84: ns.example.com A 192.168.122.1
        0xc0, 0x4f,  // NAME → 79 (ns.example.com)
        0x00, 0x01, 0x00, 0x01,  // TYPE A, CLASS IN
        0x00, 0x00, 0x0e, 0x10,  // TTL 3600
        0x00, 0x04,  // RDLENGTH 4
        0xc0, 0xa8, 0x7a, 0x01,  // 192.168.122.1
        // additional 2, offset 100: OPT
        0x00,  // root
        0x00, 0x29,  // TYPE OPT
        0x04, 0xd0,  // UDP payload size 1232
        0x00, 0x00, 0x00, 0x00,  // EXTENDED-RCODE 0, VERSION 0, DO=0, Z=0
        0x00, 0x00,  // RDLENGTH 0
    ]

    static var message: DNSMessage {
        DNSMessage(
            header: DNSHeader(id: 0xbeef, isResponse: true, isAuthoritative: true, recursionDesired: true, recursionAvailable: true),
            questions: [DNSQuestion(name: name("www.example.com"), type: .a)],
            answers: [
                DNSRecord(name: name("www.example.com"), ttl: 300, data: .cname(name("web.example.com"))),
                DNSRecord(name: name("web.example.com"), ttl: 300, data: .a(IPv4Address(192, 168, 122, 10))),
            ],
            authority: [DNSRecord(name: name("example.com"), ttl: 3600, data: .ns(name("ns.example.com")))],
            additional: [
                DNSRecord(name: name("ns.example.com"), ttl: 3600, data: .a(IPv4Address(192, 168, 122, 1))),
                EDNS(udpPayloadSize: 1232).record,
            ])
    }

    @Test func encodesWithCompression() {
        #expect(Self.message.encoded() == Self.bytes)
        #expect(Self.bytes.count == 111)
    }

    @Test func parsesCompressedNames() throws {
        let response = try DNSMessage.parse(Self.bytes)
        #expect(response == Self.message)
        #expect(response.answers.map(\.name.description) == ["www.example.com", "web.example.com"])
        #expect(response.answers[0].data == .cname(name("web.example.com")))
        #expect(response.authority[0].data == .ns(name("ns.example.com")))
        #expect(response.additional[0].name.description == "ns.example.com")
        #expect(response.header.isAuthoritative && response.header.recursionAvailable)
        #expect(response.responseCode == .noError)
    }

    /// Compression matches suffixes byte for byte, so a name in another case is written out
    /// and reads back in its own case (RFC 4343 §4.1), while the question's exact copy is a
    /// pointer (DNS 0x20 resolvers check the echo).
    @Test func compressionPreservesCase() throws {
        let message = DNSMessage(
            header: DNSHeader(id: 1, isResponse: true),
            questions: [DNSQuestion(name: name("WwW.ExAmPlE.CoM"), type: .a)],
            answers: [
                DNSRecord(name: name("WwW.ExAmPlE.CoM"), ttl: 1, data: .a(IPv4Address(1, 2, 3, 4))),
                DNSRecord(name: name("www.example.com"), ttl: 1, data: .a(IPv4Address(1, 2, 3, 5))),
            ])
        let bytes = message.encoded()
        #expect(Array(bytes[33..<35]) == [0xc0, 0x0c])  // first answer: pointer to the question
        #expect(Array(bytes[49..<66]) == wire("www.example.com"))  // second: written out in full
        let back = try DNSMessage.parse(bytes)
        #expect(back.answers.map(\.name.description) == ["WwW.ExAmPlE.CoM", "www.example.com"])
    }

    /// Pointers to pointers, as some encoders write them, are followed.
    @Test func followsPointerChains() throws {
        var bytes = header(flags: 0x8000, qd: 1, an: 2) + wire("a.example") + [0, 1, 0, 1]  // question at 12, ends 27
        bytes += [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 10, 0, 0, 1]  // answer at 27: owner → 12
        bytes += [0xc0, 0x1b, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 10, 0, 0, 2]  // answer at 43: owner → 27 → 12
        let message = try DNSMessage.parse(bytes)
        #expect(message.answers.map(\.name) == [name("a.example"), name("a.example")])
    }

    /// Pointer targets hold 14 bits: names written past 16383 bytes are not targets.
    @Test func noPointersPastTheFourteenBitLimit() throws {
        let filler = DNSRecord(name: .root, ttl: 0, data: .unknown(DNSType(65280), Array(repeating: 0, count: 16400)))
        let late = DNSRecord(name: name("late.example"), ttl: 0, data: .a(IPv4Address(1, 1, 1, 1)))
        let message = DNSMessage(answers: [filler, late, late])
        let bytes = message.encoded()
        #expect(try DNSMessage.parse(bytes) == message)
        // Both copies of the name are written out in full.
        #expect(bytes.count == 12 + (1 + 10 + 16400) + 2 * (14 + 10 + 4))
    }
}
