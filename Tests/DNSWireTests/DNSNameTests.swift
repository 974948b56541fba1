import DNSWire
import Testing

@Suite struct DNSNameTests {
    @Test func parsesLabelsWithOrWithoutTrailingDot() throws {
        let plain = try DNSName("host.example.com")
        let rooted = try DNSName("host.example.com.")
        #expect(plain.labels == [Array("host".utf8), Array("example".utf8), Array("com".utf8)])
        #expect(rooted.labels == plain.labels)
        #expect(plain.description == "host.example.com")
        #expect(rooted.description == "host.example.com")
        #expect(plain.wireLength == 18)
    }

    @Test func rootName() throws {
        let root = try DNSName(".")
        #expect(root == .root)
        #expect(root.isRoot)
        #expect(root.labels.isEmpty)
        #expect(root.description == ".")
        #expect(root.wireLength == 1)
    }

    /// RFC 4343 §3: ASCII case does not matter for comparison, but is kept (§4.1).
    @Test func comparesWithoutCaseButKeepsIt() throws {
        let mixed = try DNSName("WwW.ExAmPlE.CoM")
        let lower = try DNSName("www.example.com")
        #expect(mixed == lower)
        #expect(mixed.hashValue == lower.hashValue)
        #expect(Set([mixed, lower]).count == 1)
        #expect(mixed.description == "WwW.ExAmPlE.CoM")
        #expect(try DNSName("www.example.org") != lower)
        #expect(try DNSName("www.example") != lower)
    }

    /// RFC 4343 §3: bytes outside A-Z are compared exactly, so 0xC4 and 0xE4 ("Ä"/"ä" in
    /// Latin-1) differ.
    @Test func onlyASCIILettersFoldCase() throws {
        let upper = try DNSName(labels: [[0xC4]])
        let lower = try DNSName(labels: [[0xE4]])
        #expect(upper != lower)
        #expect(try DNSName("a-b") != DNSName("a\\013b"))
    }

    /// RFC 1035 §5.1 escapes: `\.` keeps a dot inside a label, `\DDD` is a byte in decimal.
    @Test func escapesReadAndWrite() throws {
        let dotted = try DNSName("a\\.b.example")
        #expect(dotted.labels == [Array("a.b".utf8), Array("example".utf8)])
        #expect(dotted.description == "a\\.b.example")
        #expect(try DNSName("\\065bc").labels == [Array("Abc".utf8)])
        let odd = try DNSName(labels: [[0x00, 0x20, 0x5C, 0x7F, 0xFF]])
        #expect(odd.description == "\\000\\032\\\\\\127\\255")
        #expect(try DNSName(odd.description).labels == odd.labels)
        #expect(try DNSName("caf\u{e9}").description == "caf\\195\\169")
    }

    @Test func rejectsEmptyLabelsWithOffset() {
        #expect(nameRejection("") == Rejection(.emptyLabel, at: 0))
        #expect(nameRejection(".example") == Rejection(.emptyLabel, at: 0))
        #expect(nameRejection("a..b") == Rejection(.emptyLabel, at: 2))
        #expect(nameRejection("a.b..") == Rejection(.emptyLabel, at: 4))
    }

    /// RFC 1035 §2.3.4: 63 bytes per label, 255 per name in wire form.
    @Test func enforcesLengthLimits() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(nameRejection(label63) == nil)
        #expect(nameRejection("x." + label63 + "a") == Rejection(.labelTooLong, at: 2))
        // 3 × 64 + 62 + 1 = 255 bytes: the longest name.
        let longest = [label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".")
        #expect(try DNSName(longest).wireLength == 255)
        // One more byte in the last label crosses the limit; the error points at that label.
        let tooLong = [label63, label63, label63, String(repeating: "b", count: 62)].joined(separator: ".")
        #expect(nameRejection(tooLong) == Rejection(.nameTooLong, at: 192))
        #expect(nameRejection(tooLong + ".") == Rejection(.nameTooLong, at: 192))
    }

    @Test func rejectsBadEscapes() {
        #expect(nameRejection("abc\\") == Rejection(.invalidEscape, at: 3))
        #expect(nameRejection("a\\25") == Rejection(.invalidEscape, at: 1))
        #expect(nameRejection("a\\256") == Rejection(.invalidEscape, at: 1))
        #expect(nameRejection("a\\2x5") == Rejection(.invalidEscape, at: 1))
    }

    @Test func labelsInitialiserChecksLimits() {
        #expect(throws: DNSWireError.self) { try DNSName(labels: [[]]) }
        #expect(throws: DNSWireError.self) { try DNSName(labels: [Array(repeating: 0x61, count: 64)]) }
        #expect(throws: DNSWireError.self) { try DNSName(labels: Array(repeating: Array(repeating: 0x61, count: 63), count: 4)) }
        #expect(throws: Never.self) { try DNSName(labels: Array(repeating: [0x61], count: 127)) }
    }

    @Test func subdomainsAndAppending() throws {
        let zone = try DNSName("Example.COM")
        #expect(try DNSName("a.b.example.com").isSubdomain(of: zone))
        #expect(zone.isSubdomain(of: zone))
        #expect(zone.isSubdomain(of: .root))
        #expect(try !DNSName("example.org").isSubdomain(of: zone))
        #expect(try !DNSName("com").isSubdomain(of: zone))
        #expect(try !DNSName("notexample.com").isSubdomain(of: zone))
        let host = try DNSName("vm1").appending(zone)
        #expect(host.description == "vm1.Example.COM")
        #expect(throws: DNSWireError.self) {
            try DNSName(labels: Array(repeating: Array(repeating: 0x61, count: 63), count: 3)).appending(DNSName(String(repeating: "b", count: 63)))
        }
    }
}
