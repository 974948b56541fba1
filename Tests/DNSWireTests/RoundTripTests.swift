import DNSWire
import PatchbayModel
import Testing

/// The fuzzer's property (Fuzz/FuzzDNSWire), held on inputs chosen by hand: whatever parses
/// encodes, parses back equal, and encodes again to the same bytes. Inputs the fuzzer finds that
/// break it belong here too.
@Suite struct RoundTripTests {
    static func survives(_ bytes: [UInt8]) -> Bool {
        guard let message = try? DNSMessage.parse(bytes) else { return true }
        guard let again = try? DNSMessage.parse(message.encoded()) else { return false }
        return again == message && again.encoded() == message.encoded()
    }

    @Test func wireExamples() {
        #expect(Self.survives(QueryWireTests.bytes))
        #expect(Self.survives(ResponseWireTests.bytes))
    }

    /// A label holding a dot and mixed case: bytes, not text, all the way through.
    @Test func oddLabels() throws {
        let bytes = header(qd: 1) + [0x03, 0x41, 0x2e, 0x62, 0x02, 0x43, 0x64, 0x00, 0x00, 0x01, 0x00, 0x01]
        let message = try DNSMessage.parse(bytes)
        #expect(message.questions[0].name.description == "A\\.b.Cd")
        #expect(message.encoded() == bytes)
        #expect(Self.survives(bytes))
    }

    /// A 255-byte name reached through a pointer comes back out whole.
    @Test func longestNameThroughAPointer() throws {
        let label = [0x3f] + Array(repeating: UInt8(0x61), count: 63)
        let question = header(qd: 1, an: 1) + label + label + [0x3d] + Array(repeating: UInt8(0x62), count: 61) + [0, 0, 1, 0, 1]
        // The question's name is 191 bytes; the answer's owner is one more 63-byte label and a
        // pointer to it: 64 + 191 = 255.
        let bytes = question + label + [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4]
        let message = try DNSMessage.parse(bytes)
        #expect(message.answers[0].name.wireLength == 255)
        #expect(Self.survives(bytes))
    }

    /// An SRV target read compressed is written out in full (RFC 2782), and still equal.
    @Test func compressedSRVTargetIsWrittenOut() throws {
        var bytes = header(qd: 1, an: 1) + wire("_x._tcp.example") + [0x00, 0x21, 0x00, 0x01]
        bytes += [0xc0, 0x0c, 0x00, 0x21, 0x00, 0x01, 0, 0, 0, 60, 0x00, 0x0a, 0, 0, 0, 0, 0, 80, 0x01, 0x68, 0xc0, 0x14]
        let message = try DNSMessage.parse(bytes)
        let encoded = message.encoded()
        #expect(encoded.count == bytes.count + wire("example").count - 2)
        #expect(try DNSMessage.parse(encoded) == message)
        #expect(Self.survives(bytes))
    }

    /// Every record kind at once, OPT in the middle of the additional section.
    @Test func everyKindTogether() throws {
        let owner = name("all.example")
        let data: [DNSRecordData] = [
            .a(IPv4Address(10, 0, 0, 1)), .aaaa(try #require(IPv6Address("fd00::2"))), .ns(name("ns.example")),
            .cname(name("alias.example")), .ptr(name("all.example")), .mx(DNSMXData(preference: 5, exchange: name("mx.all.example"))),
            .soa(DNSSOAData(primary: name("ns.example"), responsible: name("root.example"), serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5)),
            .srv(DNSSRVData(priority: 1, weight: 2, port: 3, target: name("all.example"))), .text("hello"),
            .unknown(DNSType(99), [1, 2, 3]),
        ]
        let message = DNSMessage(
            header: DNSHeader(id: 77, isResponse: true, isAuthoritative: true),
            questions: [DNSQuestion(name: owner, type: .any)],
            answers: data.map { DNSRecord(name: owner, ttl: 30, data: $0) },
            authority: [DNSRecord(name: name("example"), ttl: 30, data: .ns(name("ns.example")))],
            additional: [DNSRecord(name: name("ns.example"), ttl: 30, data: .a(IPv4Address(10, 0, 0, 53))),
                         EDNS(udpPayloadSize: 1232, dnssecOK: true).record,
                         DNSRecord(name: name("mx.all.example"), ttl: 30, data: .a(IPv4Address(10, 0, 0, 25)))])
        #expect(try roundTrip(message) == message)
        #expect(Self.survives(message.encoded()))
        let cut = try DNSMessage.parse(message.encoded(maxSize: 120))
        #expect(cut.additional.last?.type == .opt)
        #expect(cut.edns == message.edns)
        #expect(cut.header.isTruncated)
    }
}
