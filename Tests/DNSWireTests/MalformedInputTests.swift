import DNSWire
import Testing

/// Every way a message can lie about itself is refused with the reason and the byte offset,
/// never a trap: these are the inputs a fuzzer (or a hostile guest) sends.
@Suite struct MalformedInputTests {
    /// A question for "a." (name 12-14, QTYPE/QCLASS 15-18); answers start at 19.
    static let question: [UInt8] = [0x01, 0x61, 0x00, 0x00, 0x01, 0x00, 0x01]

    @Test func truncatedHeader() {
        #expect(rejection([]) == Rejection(.truncatedHeader, at: 0))
        #expect(rejection(Array(repeating: 0, count: 11)) == Rejection(.truncatedHeader, at: 0))
        #expect(rejection(Array(repeating: 0, count: 12)) == nil)  // an empty message is a message
    }

    @Test func countLargerThanData() {
        // QDCOUNT 2, one question: the second would start at 19, where the message ends.
        #expect(rejection(header(qd: 2) + Self.question) == Rejection(.countExceedsData, at: 19))
        // ANCOUNT 1 with no answer.
        #expect(rejection(header(qd: 1, an: 1) + Self.question) == Rejection(.countExceedsData, at: 19))
        // ARCOUNT 3 with nothing at all.
        #expect(rejection(header(ar: 3)) == Rejection(.countExceedsData, at: 12))
    }

    @Test func fieldsCutShort() {
        // The question's QCLASS is missing its last byte: QTYPE at 15 fits, QCLASS at 17 does not.
        #expect(rejection(header(qd: 1) + Array(Self.question.dropLast())) == Rejection(.truncated, at: 17))
        // A label that claims 5 bytes with 2 left.
        #expect(rejection(header(qd: 1) + [0x05, 0x61, 0x62]) == Rejection(.truncated, at: 12))
        // A name with no terminating zero.
        #expect(rejection(header(qd: 1) + [0x01, 0x61]) == Rejection(.truncated, at: 14))
        // A pointer missing its second byte.
        #expect(rejection(header(qd: 1) + [0xc0]) == Rejection(.truncated, at: 12))
        // An answer whose TTL stops after two bytes (answer at 19: name 19, TYPE 20, CLASS 22, TTL 24).
        #expect(rejection(header(qd: 1, an: 1) + Self.question + [0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00])
                == Rejection(.truncated, at: 24))
    }

    /// A pointer back into the labels that led to it: "abc" then a pointer to "abc".
    @Test func pointerLoop() {
        #expect(rejection(header(qd: 1) + [0x03, 0x61, 0x62, 0x63, 0xc0, 0x0c, 0, 1, 0, 1]) == Rejection(.pointerLoop, at: 16))
        // A pointer to itself.
        #expect(rejection(header(qd: 1) + [0xc0, 0x0c, 0, 1, 0, 1]) == Rejection(.pointerLoop, at: 12))
        // Two names in a cycle: the answer's owner (at 19) is "b" and a pointer to the question,
        // whose own pointer (at 14) leads back to the answer... which lies after it: a forward
        // pointer, refused before any loop can run.
        let cycle = header(qd: 1, an: 1) + [0x01, 0x61, 0xc0, 0x13, 0, 1, 0, 1] + [0x01, 0x62, 0xc0, 0x0c]
            + [0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
        #expect(rejection(cycle) == Rejection(.forwardPointer, at: 14))
        // Backwards at every hop, yet a loop: the answer's owner (at 17) points to 15, which
        // points to 13, whose label "x" runs on into the pointer at 15 again. (The question is a
        // root name at 12, QTYPE 0x0178 and QCLASS 0xc00d: the bytes the pointers use.)
        let twoHops = header(qd: 1, an: 1) + [0x00, 0x01, 0x78, 0xc0, 0x0d] + [0xc0, 0x0f]
            + [0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
        #expect(rejection(twoHops) == Rejection(.pointerLoop, at: 15))
    }

    @Test func forwardPointer() {
        // The question's name points to byte 19, after itself.
        #expect(rejection(header(qd: 1) + [0xc0, 0x13, 0, 1, 0, 1, 0x00, 0x00]) == Rejection(.forwardPointer, at: 12))
    }

    @Test func pointerOutOfRange() {
        #expect(rejection(header(qd: 1) + [0xc0, 0xff, 0, 1, 0, 1]) == Rejection(.pointerOutOfRange, at: 12))
        #expect(rejection(header(qd: 1) + [0xff, 0xff, 0, 1, 0, 1]) == Rejection(.pointerOutOfRange, at: 12))
    }

    /// A chain of backward pointers longer than any real name needs.
    @Test func tooManyPointers() {
        // An unknown record (at 12, root owner) whose RDATA (at 23) is a root label and then 200
        // pointers, each to the one before; a second record's owner points at the last.
        var rdata: [UInt8] = [0x00]
        for index in 0..<200 {
            let target = 23 + (index == 0 ? 0 : 1 + 2 * (index - 1))
            rdata += [0xc0 | UInt8(target >> 8), UInt8(target & 0xff)]
        }
        let last = 23 + 1 + 2 * 199
        var bytes = header(an: 2) + [0x00, 0xff, 0x00, 0x00, 0x01, 0, 0, 0, 0, UInt8(rdata.count >> 8), UInt8(rdata.count & 0xff)]
        bytes += rdata
        bytes += [0xc0 | UInt8(last >> 8), UInt8(last & 0xff), 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
        // Jump 1 is at the owner; jump 129, the first too many, is the pointer 128 back from the last.
        #expect(rejection(bytes) == Rejection(.tooManyPointers, at: last - 2 * 127))
    }

    /// Length bytes 64-191 are the reserved label types 01 and 10 (RFC 1035 §4.1.4).
    @Test func labelTooLong() {
        #expect(rejection(header(qd: 1) + [0x40] + Array(repeating: 0x61, count: 64) + [0, 0, 1, 0, 1])
                == Rejection(.labelTooLong, at: 12))
        #expect(rejection(header(qd: 1) + [0x01, 0x61, 0x80, 0x00, 0, 1, 0, 1]) == Rejection(.labelTooLong, at: 14))
    }

    @Test func nameTooLong() {
        // Four 63-byte labels: 256 bytes with the root, one too many; the fourth label (at
        // 12 + 3 × 64) is where it crosses.
        let label = [0x3f] + Array(repeating: UInt8(0x61), count: 63)
        #expect(rejection(header(qd: 1) + label + label + label + label + [0, 0, 1, 0, 1]) == Rejection(.nameTooLong, at: 204))
        // The same length reached through a pointer: the answer's owner is a 63-byte label and a
        // pointer to the question's three, and crosses at the question's third label (at
        // 12 + 2 × 64).
        let question = header(qd: 1, an: 1) + label + label + label + [0, 0, 1, 0, 1]  // ends at 209
        let answer = label + [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]
        #expect(rejection(question + answer) == Rejection(.nameTooLong, at: 140))
    }

    @Test func rdataLengthMismatch() {
        let answerAt = 19
        let rdlengthAt = answerAt + 9  // root owner 19, TYPE 20, CLASS 22, TTL 24, RDLENGTH 28
        func answer(type: UInt8, rdata: [UInt8], rdlength: Int? = nil) -> [UInt8] {
            let length = rdlength ?? rdata.count
            return header(qd: 1, an: 1) + Self.question
                + [0x00, 0x00, type, 0x00, 0x01, 0, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xff)] + rdata
        }
        // A with five bytes of RDATA, and with three.
        #expect(rejection(answer(type: 1, rdata: [1, 2, 3, 4, 5])) == Rejection(.rdataLengthMismatch, at: rdlengthAt))
        #expect(rejection(answer(type: 1, rdata: [1, 2, 3])) == Rejection(.rdataLengthMismatch, at: rdlengthAt))
        // AAAA with 15 bytes.
        #expect(rejection(answer(type: 28, rdata: Array(repeating: 0, count: 15))) == Rejection(.rdataLengthMismatch, at: rdlengthAt))
        // A CNAME whose name runs past RDLENGTH, though the bytes are there.
        #expect(rejection(answer(type: 5, rdata: [0x01, 0x62, 0x00], rdlength: 2) + [0x00])
                == Rejection(.rdataLengthMismatch, at: rdlengthAt))
        // A PTR with a byte left over after its name.
        #expect(rejection(answer(type: 12, rdata: [0x01, 0x62, 0x00, 0xff])) == Rejection(.rdataLengthMismatch, at: rdlengthAt))
        // A TXT string longer than what is left of the RDATA.
        #expect(rejection(answer(type: 16, rdata: [0x05, 0x61, 0x62], rdlength: 3) + [0x63, 0x64, 0x65])
                == Rejection(.rdataLengthMismatch, at: rdlengthAt))
        // An SOA cut after its names.
        #expect(rejection(answer(type: 6, rdata: [0x00, 0x00, 0, 0, 0, 1])) == Rejection(.rdataLengthMismatch, at: rdlengthAt))
        // An EDNS option longer than the OPT RDATA (OPT in the additional section this time).
        let opt = header(ar: 1) + [0x00, 0x00, 0x29, 0x02, 0x00, 0, 0, 0, 0, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x08, 0x01]
        #expect(rejection(opt) == Rejection(.rdataLengthMismatch, at: 21))
        // RDLENGTH past the end of the message.
        #expect(rejection(answer(type: 1, rdata: [1, 2], rdlength: 4)) == Rejection(.truncated, at: rdlengthAt))
    }

    /// RFC 6891 §6.1.1: one OPT, in the additional section, owned by the root.
    @Test func invalidOPT() {
        let opt: [UInt8] = [0x00, 0x00, 0x29, 0x02, 0x00, 0, 0, 0, 0, 0x00, 0x00]
        #expect(rejection(header(ar: 1) + opt) == nil)
        #expect(rejection(header(an: 1) + opt) == Rejection(.invalidOPT, at: 12))
        #expect(rejection(header(ns: 1) + opt) == Rejection(.invalidOPT, at: 12))
        #expect(rejection(header(ar: 2) + opt + opt) == Rejection(.invalidOPT, at: 23))
        #expect(rejection(header(ar: 1) + [0x01, 0x61] + opt) == Rejection(.invalidOPT, at: 12))
    }

    /// Bytes after the last record carry nothing and are ignored.
    @Test func trailingBytesAreIgnored() throws {
        let message = try DNSMessage.parse(header(qd: 1) + Self.question + [0xde, 0xad])
        #expect(message.encoded() == header(qd: 1) + Self.question)
    }

    @Test func errorsDescribeThemselves() {
        do {
            _ = try DNSMessage.parse([1, 2, 3])
        } catch {
            #expect(error.description == "malformed DNS data at byte 0: 3 bytes is shorter than the 12-byte header")
        }
    }
}
