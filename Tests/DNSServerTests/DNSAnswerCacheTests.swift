@testable import DNSServer
import DNSWire
import NIOCore
import PatchbayModel
import Testing

/// The cache's rules, message by message, with the time given: what is kept and for how long
/// (RFC 1035 §7.4, RFC 2181, RFC 2308), how a kept answer is handed out again, and its bounds.
@Suite struct DNSAnswerCacheTests {
    static func query(_ name: String, _ type: DNSType = .a, id: UInt16 = 0x1111, edns: Bool = false,
                      dnssecOK: Bool = false) throws -> DNSMessage {
        var message = DNSMessage(header: DNSHeader(id: id, recursionDesired: true),
                                 questions: [DNSQuestion(name: try DNSName(name), type: type)])
        if edns { message.edns = EDNS(udpPayloadSize: 1232, dnssecOK: dnssecOK) }
        return message
    }

    static func reply(to query: DNSMessage, rcode: DNSResponseCode = .noError, answers: [DNSRecord] = [],
                      authority: [DNSRecord] = [], truncated: Bool = false) -> [UInt8] {
        var header = query.header
        header.isResponse = true
        header.recursionAvailable = true
        header.isTruncated = truncated
        header.rcode = rcode
        var message = DNSMessage(header: header, questions: query.questions, answers: answers, authority: authority)
        message.edns = query.edns
        return message.encoded()
    }

    static func a(_ name: String, _ address: String, ttl: UInt32) throws -> DNSRecord {
        DNSRecord(name: try DNSName(name), ttl: ttl, data: .a(IPv4Address(address)!))
    }

    static func soa(ttl: UInt32, minimum: UInt32) throws -> DNSRecord {
        DNSRecord(name: try DNSName("example"), ttl: ttl,
                  data: .soa(DNSSOAData(primary: try DNSName("ns.example"), responsible: try DNSName("admin.example"),
                                        serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: minimum)))
    }

    static func answer(_ cache: inout DNSAnswerCache, _ query: DNSMessage, now: Int64, maximumSize: Int = 512) throws -> DNSMessage? {
        let key = try #require(DNSAnswerCache.key(for: query))
        return try cache.answer(key, query: query.encoded(), maximumSize: maximumSize, now: now).map { try DNSMessage.parse($0) }
    }

    @Test func anAnswerIsKeptForItsSmallestTTLAndCountedDown() throws {
        var cache = DNSAnswerCache()
        let query = try Self.query("www.example")
        let key = try #require(DNSAnswerCache.key(for: query))
        cache.store(Self.reply(to: query, answers: [try Self.a("www.example", "192.0.2.1", ttl: 300),
                                                    try Self.a("www.example", "192.0.2.2", ttl: 120)]), for: key, now: 1000)
        let again = try #require(try Self.answer(&cache, Self.query("www.example", id: 0x2222), now: 1030))
        #expect(again.header.id == 0x2222)
        #expect(again.answers.map(\.ttl) == [270, 90])
        #expect(again.answers.map(\.data) == [.a(IPv4Address("192.0.2.1")!), .a(IPv4Address("192.0.2.2")!)])
        #expect(try Self.answer(&cache, Self.query("www.example"), now: 1119) != nil)
        // Gone once the smallest TTL is up: no record is ever handed out with 0 or less.
        #expect(try Self.answer(&cache, Self.query("www.example"), now: 1120) == nil)
        #expect(cache.count == 0)
    }

    @Test func theClientsLetterCaseAndIDComeBack() throws {
        var cache = DNSAnswerCache()
        let query = try Self.query("www.example")
        cache.store(Self.reply(to: query, answers: [try Self.a("www.example", "192.0.2.1", ttl: 60)]),
                    for: try #require(DNSAnswerCache.key(for: query)), now: 0)
        let mixed = try Self.query("WwW.ExAmple", id: 7)
        let again = try #require(try Self.answer(&cache, mixed, now: 1))
        #expect(again.questions == mixed.questions)
        #expect(again.questions.first?.name.description == "WwW.ExAmple")
        #expect(again.header.id == 7)
    }

    @Test func negativeAnswersFollowRFC2308() throws {
        var cache = DNSAnswerCache()
        // NXDOMAIN: the smaller of the SOA's TTL and its MINIMUM.
        let missing = try Self.query("nothing.example")
        cache.store(Self.reply(to: missing, rcode: .nxDomain, authority: [try Self.soa(ttl: 900, minimum: 60)]),
                    for: try #require(DNSAnswerCache.key(for: missing)), now: 0)
        #expect(try Self.answer(&cache, missing, now: 59)?.responseCode == .nxDomain)
        // The SOA goes out with what is left of the negative TTL, not its own.
        #expect(try Self.answer(&cache, missing, now: 59)?.authority.first?.ttl == 1)
        #expect(try Self.answer(&cache, missing, now: 60) == nil)
        // NODATA likewise.
        let noAAAA = try Self.query("www.example", .aaaa)
        cache.store(Self.reply(to: noAAAA, authority: [try Self.soa(ttl: 30, minimum: 600)]),
                    for: try #require(DNSAnswerCache.key(for: noAAAA)), now: 0)
        #expect(try Self.answer(&cache, noAAAA, now: 29)?.answers.isEmpty == true)
        #expect(try Self.answer(&cache, noAAAA, now: 30) == nil)
        // Without an SOA a negative answer is not kept (RFC 2308 §5).
        let bare = try Self.query("bare.example")
        cache.store(Self.reply(to: bare, rcode: .nxDomain), for: try #require(DNSAnswerCache.key(for: bare)), now: 0)
        #expect(try Self.answer(&cache, bare, now: 0) == nil)
    }

    @Test func whatIsNeverKept() throws {
        var cache = DNSAnswerCache()
        let query = try Self.query("www.example")
        let key = try #require(DNSAnswerCache.key(for: query))
        let record = try Self.a("www.example", "192.0.2.1", ttl: 300)
        cache.store(Self.reply(to: query, rcode: .servFail), for: key, now: 0)
        cache.store(Self.reply(to: query, rcode: .refused), for: key, now: 0)
        cache.store(Self.reply(to: query, answers: [record], truncated: true), for: key, now: 0)
        cache.store(Self.reply(to: query, answers: [try Self.a("www.example", "192.0.2.1", ttl: 0)]), for: key, now: 0)
        cache.store([0x12, 0x34, 0x81], for: key, now: 0)
        #expect(cache.count == 0)
        // A TTL with the top bit set means zero (RFC 2181 §8); a long one is capped.
        cache.store(Self.reply(to: query, answers: [try Self.a("www.example", "192.0.2.1", ttl: 0x8000_0001)]), for: key, now: 0)
        #expect(cache.count == 0)
        cache.store(Self.reply(to: query, answers: [try Self.a("www.example", "192.0.2.1", ttl: 7 * 86_400)]), for: key, now: 0)
        #expect(try Self.answer(&cache, query, now: 86_399) != nil)
        #expect(try Self.answer(&cache, query, now: 86_400) == nil)
    }

    @Test func queriesThatDifferInWhatTheyAskDoNotShareAnAnswer() throws {
        let plain = try #require(DNSAnswerCache.key(for: try Self.query("www.example")))
        #expect(plain == DNSAnswerCache.key(for: try Self.query("WWW.EXAMPLE", id: 9)))
        #expect(plain != DNSAnswerCache.key(for: try Self.query("www.example", .aaaa)))
        #expect(plain != DNSAnswerCache.key(for: try Self.query("www.example", edns: true)))
        #expect(DNSAnswerCache.key(for: try Self.query("www.example", edns: true))
                != DNSAnswerCache.key(for: try Self.query("www.example", edns: true, dnssecOK: true)))
        var noRecursion = try Self.query("www.example")
        noRecursion.header.recursionDesired = false
        #expect(plain != DNSAnswerCache.key(for: noRecursion))
        var twoQuestions = try Self.query("www.example")
        twoQuestions.questions.append(DNSQuestion(name: try DNSName("other.example"), type: .a))
        #expect(DNSAnswerCache.key(for: twoQuestions) == nil)
        var notify = try Self.query("www.example")
        notify.header.opcode = DNSOpcode(4)
        #expect(DNSAnswerCache.key(for: notify) == nil)
    }

    @Test func anAnswerTooLargeForTheClientIsNotHandedOut() throws {
        var cache = DNSAnswerCache()
        let query = try Self.query("big.example", edns: true)
        let records = try (1...40).map { try Self.a("big.example", "192.0.2.\($0)", ttl: 60) }
        let reply = Self.reply(to: query, answers: records)
        #expect(reply.count > 512)
        cache.store(reply, for: try #require(DNSAnswerCache.key(for: query)), now: 0)
        #expect(try Self.answer(&cache, query, now: 1, maximumSize: 512) == nil)
        #expect(try Self.answer(&cache, query, now: 1, maximumSize: 1232)?.answers.count == 40)
    }

    @Test func theCacheStaysWithinItsBoundsOldestFirst() throws {
        var cache = DNSAnswerCache(maximumEntries: 3, maximumBytes: 1 << 20)
        for i in 1...5 {
            let query = try Self.query("h\(i).example")
            cache.store(Self.reply(to: query, answers: [try Self.a("h\(i).example", "192.0.2.\(i)", ttl: 600)]),
                        for: try #require(DNSAnswerCache.key(for: query)), now: Int64(i))
        }
        #expect(cache.count == 3)
        #expect(try Self.answer(&cache, Self.query("h1.example"), now: 10) == nil)
        #expect(try Self.answer(&cache, Self.query("h2.example"), now: 10) == nil)
        #expect(try Self.answer(&cache, Self.query("h5.example"), now: 10) != nil)

        let query = try Self.query("h1.example")
        let one = Self.reply(to: query, answers: [try Self.a("h1.example", "192.0.2.1", ttl: 600)])
        var small = DNSAnswerCache(maximumEntries: 100, maximumBytes: one.count * 8)
        for i in 1...20 {
            let query = try Self.query("h\(i).example")
            small.store(Self.reply(to: query, answers: [try Self.a("h\(i).example", "192.0.2.\(i)", ttl: 600)]),
                        for: try #require(DNSAnswerCache.key(for: query)), now: 0)
            #expect(small.bytes <= one.count * 8)
        }
        #expect(small.count >= 7)
        small.flush()
        #expect(small.count == 0 && small.bytes == 0)
    }

    @Test func theLayoutFindsEveryTTL() throws {
        let query = try Self.query("www.example", edns: true)
        let bytes = Self.reply(to: query, answers: [try Self.a("www.example", "192.0.2.1", ttl: 0x0102_0304)],
                               authority: [try Self.soa(ttl: 0x0506_0708, minimum: 1)])
        let layout = try DNSMessage.layout(bytes)
        #expect(layout.questionEnd == DNSHeader.length + 13 + 4)
        #expect(layout.ttlOffsets.count == 3)  // A, SOA, OPT
        #expect(Array(bytes[layout.ttlOffsets[0]..<layout.ttlOffsets[0] + 4]) == [1, 2, 3, 4])
        #expect(Array(bytes[layout.ttlOffsets[1]..<layout.ttlOffsets[1] + 4]) == [5, 6, 7, 8])
        #expect(throws: DNSWireError.self) { try DNSMessage.layout(Array(bytes.dropLast(3))) }
    }

    /// Answers from the zone are kept until the zone changes, and go out with the asker's ID and
    /// letter case; nothing over 512 bytes is kept.
    @Test func localAnswersLastUntilTheZoneChanges() throws {
        var local = DNSLocalAnswers()
        let query = try Self.query("web.lab.test")
        let key = try #require(DNSAnswerCache.key(for: query))
        let reply = Self.reply(to: query, answers: [try Self.a("web.lab.test", "10.0.0.9", ttl: 0)])
        local.store(reply, questionEnd: DNSHeader.length + 14 + 4, for: key, generation: 7)
        let asked = try Self.query("WEB.lab.test", id: 0x4242).encoded()
        let kept = try asked.withUnsafeBytes { raw in
            try #require(local.answer(key, query: raw, generation: 7, allocator: ByteBufferAllocator()))
        }
        let message = try DNSMessage.parse(Array(kept.readableBytesView))
        #expect(message.header.id == 0x4242)
        #expect(message.questions.first?.name.description == "WEB.lab.test")
        #expect(message.answers.map(\.data) == [.a(IPv4Address("10.0.0.9")!)])
        asked.withUnsafeBytes { raw in
            #expect(local.answer(key, query: raw, generation: 8, allocator: ByteBufferAllocator()) == nil)
        }
        let big = Self.reply(to: query, answers: try (1...40).map { try Self.a("web.lab.test", "10.0.0.\($0)", ttl: 0) })
        local.store(big, questionEnd: DNSHeader.length + 14 + 4, for: key, generation: 9)
        asked.withUnsafeBytes { raw in
            #expect(local.answer(key, query: raw, generation: 9, allocator: ByteBufferAllocator()) == nil)
        }
    }
}
