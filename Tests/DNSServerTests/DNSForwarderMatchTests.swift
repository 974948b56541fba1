@testable import DNSServer
import DNSWire
import Testing

/// Which upstream replies the forwarder hands back to a client: only one whose question is the
/// query's (RFC 5452), whatever follows it.
@Suite struct DNSForwarderMatchTests {
    static func message(_ names: [String], type: DNSType = .a, response: Bool = false, truncated: Bool = false) throws -> [UInt8] {
        DNSMessage(header: DNSHeader(id: 7, isResponse: response, isTruncated: truncated, recursionDesired: true),
                   questions: try names.map { DNSQuestion(name: try DNSName($0), type: type) }).encoded()
    }

    @Test func theSameQuestionMatchesWhateverTheCaseOfItsName() throws {
        let query = try Self.message(["www.Example.org"])
        #expect(DNSForwarder.sameQuestion(try Self.message(["WWW.example.ORG"], response: true), query))
        #expect(DNSForwarder.sameQuestion(try Self.message(["www.example.org"], response: true),
                                          [DNSQuestion(name: try DNSName("www.example.org"), type: .a)]))
    }

    @Test func anotherNameTypeOrCountDoesNotMatch() throws {
        let query = try Self.message(["www.example.org"])
        #expect(!DNSForwarder.sameQuestion(try Self.message(["www.example.com"], response: true), query))
        #expect(!DNSForwarder.sameQuestion(try Self.message(["www.example.org"], type: .aaaa, response: true), query))
        #expect(!DNSForwarder.sameQuestion(try Self.message(["www.example.org", "x.example.org"], response: true), query))
        #expect(!DNSForwarder.sameQuestion(try Self.message([], response: true), query))
        #expect(!DNSForwarder.sameQuestion(Array(try Self.message(["www.example.org"], response: true).prefix(11)), query))
    }

    @Test func aTruncatedReplyWithoutItsQuestionStillMatches() throws {
        let query = try Self.message(["www.example.org"])
        #expect(DNSForwarder.sameQuestion(try Self.message([], response: true, truncated: true), query))
    }

    @Test func onlyTheQuestionIsRead() throws {
        // A reply whose header promises an answer that is not there: the question decides, the
        // client reads (and rejects) the rest.
        var reply = try Self.message(["www.example.org"], response: true)
        reply[7] = 1
        #expect(DNSForwarder.sameQuestion(reply, try Self.message(["www.example.org"])))
        let parsed = try DNSMessage.parseQuestions(reply)
        #expect(parsed.header.answerCount == 1)
        #expect(parsed.questions == [DNSQuestion(name: try DNSName("www.example.org"), type: .a)])
        #expect(throws: DNSWireError.self) { try DNSMessage.parse(reply) }
    }

    @Test func queriesOfTwoQuestionsAreMatchedWhole() throws {
        let query = try Self.message(["a.example", "b.example"])
        #expect(DNSForwarder.sameQuestion(try Self.message(["a.example", "b.example"], response: true), query))
        #expect(!DNSForwarder.sameQuestion(try Self.message(["a.example"], response: true), query))
    }
}
