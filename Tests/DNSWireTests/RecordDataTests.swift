import DNSWire
import PatchbayModel
import Testing

/// Each record type's RDATA byte for byte, and each through a whole message and back.
@Suite struct RecordDataTests {
    static let owner = name("host.example.com")

    func expectRoundTrip(_ data: DNSRecordData, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let message = DNSMessage(header: DNSHeader(id: 7, isResponse: true),
                                 questions: [DNSQuestion(name: Self.owner, type: data.type)],
                                 answers: [DNSRecord(name: Self.owner, ttl: 60, data: data)])
        let back = try roundTrip(message)
        #expect(back == message, sourceLocation: sourceLocation)
        #expect(back.answers.first?.type == data.type, sourceLocation: sourceLocation)
        #expect(back.encoded() == message.encoded(), sourceLocation: sourceLocation)
    }

    /// RFC 1035 §3.4.1.
    @Test func a() throws {
        let data = DNSRecordData.a(IPv4Address(192, 168, 122, 10))
        #expect(rdataBytes(data) == [0x00, 0x04, 0xc0, 0xa8, 0x7a, 0x0a])  // RDLENGTH 4, address
        #expect(data.type == .a)
        try expectRoundTrip(data)
    }

    /// RFC 3596 §2.2.
    @Test func aaaa() throws {
        let data = DNSRecordData.aaaa(try #require(IPv6Address("fd00::1")))
        #expect(rdataBytes(data) == [0x00, 0x10, 0xfd] + Array(repeating: 0, count: 14) + [0x01])
        #expect(data.type == .aaaa)
        try expectRoundTrip(data)
    }

    /// RFC 1035 §3.3.12.
    @Test func ptr() throws {
        let data = DNSRecordData.ptr(name("vm1.lan"))
        #expect(rdataBytes(data) == [0x00, 0x09] + wire("vm1.lan"))
        #expect(data.type == .ptr)
        try expectRoundTrip(data)
    }

    /// RFC 1035 §3.3.1: the target compresses against the owner's suffix.
    @Test func cname() throws {
        let data = DNSRecordData.cname(name("web.example.com"))
        #expect(rdataBytes(data) == [0x00, 0x11] + wire("web.example.com"))
        let bytes = DNSMessage(answers: [DNSRecord(name: Self.owner, ttl: 1, data: data)]).encoded()
        // owner at 12 (host 12, example 17); RDATA = "web" + pointer to 17.
        #expect(Array(bytes[(12 + 18 + 8)...]) == [0x00, 0x06, 0x03, 0x77, 0x65, 0x62, 0xc0, 0x11])
        try expectRoundTrip(data)
    }

    /// RFC 1035 §3.3.11.
    @Test func ns() throws {
        let data = DNSRecordData.ns(name("ns1.example.com"))
        #expect(rdataBytes(data) == [0x00, 0x11] + wire("ns1.example.com"))
        #expect(data.type == .ns)
        try expectRoundTrip(data)
    }

    /// RFC 1035 §3.3.9.
    @Test func mx() throws {
        let data = DNSRecordData.mx(DNSMXData(preference: 10, exchange: name("mail.example.com")))
        #expect(rdataBytes(data) == [0x00, 0x14, 0x00, 0x0a] + wire("mail.example.com"))
        #expect(data.type == .mx)
        try expectRoundTrip(data)
    }

    /// RFC 2782: priority, weight, port, target; the target is never compressed.
    @Test func srv() throws {
        let data = DNSRecordData.srv(DNSSRVData(priority: 1, weight: 5, port: 389, target: name("dc.example.com")))
        #expect(rdataBytes(data) == [0x00, 0x16, 0x00, 0x01, 0x00, 0x05, 0x01, 0x85] + wire("dc.example.com"))
        let bytes = DNSMessage(answers: [DNSRecord(name: Self.owner, ttl: 1, data: data)]).encoded()
        #expect(Array(bytes[(12 + 18 + 10 + 6)...]) == wire("dc.example.com"))  // no pointer to "example.com"
        #expect(data.type == .srv)
        try expectRoundTrip(data)
    }

    /// RFC 2782 forbids writing a compressed target, but RFC 3597 §4 asks readers to accept one.
    @Test func srvTargetReadCompressed() throws {
        var bytes = header(an: 1) + wire("_x._tcp.example") + [0x00, 0x21, 0x00, 0x01, 0, 0, 0, 60]
        bytes += [0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x01, 0x68, 0xc0, 0x14]  // 0 0 80 h.→ example (20)
        let message = try DNSMessage.parse(bytes)
        #expect(message.answers.first?.data == .srv(DNSSRVData(priority: 0, weight: 0, port: 80, target: name("h.example"))))
    }

    /// RFC 1035 §3.3.13: both names compress.
    @Test func soa() throws {
        let data = DNSRecordData.soa(DNSSOAData(primary: name("ns.example.com"), responsible: name("hostmaster.example.com"),
                                                serial: 2024010101, refresh: 3600, retry: 600, expire: 86400, minimum: 60))
        let expectedRDATA: [UInt8] = wire("ns.example.com")
            + [0x0a] + Array("hostmaster".utf8) + [0xc0, 0x1a]  // pointer to "example.com" inside MNAME (RDATA at 23, "ns" 23, "example" 26)
            + [0x78, 0xa3, 0xf1, 0x75]  // SERIAL 2024010101
            + [0x00, 0x00, 0x0e, 0x10]  // REFRESH 3600
            + [0x00, 0x00, 0x02, 0x58]  // RETRY 600
            + [0x00, 0x01, 0x51, 0x80]  // EXPIRE 86400
            + [0x00, 0x00, 0x00, 0x3c]  // MINIMUM 60
        #expect(rdataBytes(data) == [0x00, UInt8(expectedRDATA.count)] + expectedRDATA)
        #expect(data.type == .soa)
        try expectRoundTrip(data)
    }

    /// RFC 1035 §3.3.14.
    @Test func txt() throws {
        let data = DNSRecordData.txt([Array("v=spf1".utf8), [], Array("-all".utf8)])
        #expect(rdataBytes(data) == [0x00, 0x0d, 0x06] + Array("v=spf1".utf8) + [0x00, 0x04] + Array("-all".utf8))
        #expect(data.type == .txt)
        try expectRoundTrip(data)
    }

    /// RFC 6891 §6.1.2: options are code, length, data.
    @Test func opt() throws {
        let edns = EDNS(udpPayloadSize: 4096, extendedRcode: 1, version: 0, dnssecOK: true,
                        options: [EDNSOption(code: 12, data: [0, 0, 0]), EDNSOption(code: 65001, data: [])])
        let record = edns.record
        #expect(record.name == .root)
        #expect(record.class.rawValue == 4096)
        #expect(record.ttl == 0x0100_8000)  // EXTENDED-RCODE 1, VERSION 0, DO
        #expect(rdataBytes(record.data) == [0x00, 0x0b, 0x00, 0x0c, 0x00, 0x03, 0, 0, 0, 0xfd, 0xe9, 0x00, 0x00])
        var message = DNSMessage()
        message.edns = edns
        #expect(try roundTrip(message).edns == edns)
        #expect(EDNS(record) == edns)
    }

    /// RFC 3597: unknown types travel byte for byte.
    @Test func unknown() throws {
        let data = DNSRecordData.unknown(DNSType(257), [0x00, 0x05, 0x69, 0x73, 0x73, 0x75, 0x65, 0x63, 0x61])
        #expect(rdataBytes(data) == [0x00, 0x09, 0x00, 0x05, 0x69, 0x73, 0x73, 0x75, 0x65, 0x63, 0x61])
        #expect(data.type == DNSType(257))
        try expectRoundTrip(data)
    }

    /// RFC 2136 §2.5 deletes RRsets with empty RDATA of any type: kept, not refused.
    @Test func emptyRDATAIsKept() throws {
        let bytes = header(an: 2) + [0x00, 0x00, 0x01, 0x00, 0xff, 0, 0, 0, 0, 0x00, 0x00]  // root A ANY, RDLENGTH 0
            + [0x00, 0x00, 0x10, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x00]  // root TXT IN, RDLENGTH 0
        let message = try DNSMessage.parse(bytes)
        #expect(message.answers.map(\.data) == [.unknown(.a, []), .unknown(.txt, [])])
        #expect(message.encoded() == bytes)
    }

    /// RFC 2181 §8: a TTL with the top bit set counts as zero, but is kept as sent.
    @Test func ttlTopBit() throws {
        let record = DNSRecord(name: .root, ttl: 0x8000_0001, data: .a(IPv4Address(1, 2, 3, 4)))
        #expect(record.effectiveTTL == 0)
        #expect(DNSRecord(name: .root, ttl: 0x7fff_ffff, data: record.data).effectiveTTL == 0x7fff_ffff)
        #expect(try roundTrip(DNSMessage(answers: [record])).answers == [record])
    }

    @Test func mnemonics() {
        #expect([DNSType.a, .ns, .cname, .soa, .ptr, .mx, .txt, .aaaa, .srv, .opt, .any].map(\.description)
                == ["A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA", "SRV", "OPT", "ANY"])
        #expect([DNSType.a, .ns, .cname, .soa, .ptr, .mx, .txt, .aaaa, .srv, .opt, .any].map(\.rawValue)
                == [1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 255])
        #expect(DNSType(65280).description == "TYPE65280")
        #expect(DNSClass.in.rawValue == 1 && DNSClass.in.description == "IN")
        #expect(DNSClass.chaos.description == "CH" && DNSClass(42).description == "CLASS42")
        #expect([DNSResponseCode.noError, .formErr, .servFail, .nxDomain, .notImp, .refused].map(\.rawValue) == [0, 1, 2, 3, 4, 5])
        #expect(DNSResponseCode.nxDomain.description == "NXDOMAIN")
        #expect(DNSOpcode.query.description == "QUERY" && DNSOpcode(9).description == "OPCODE9")
    }
}
