import OVSDBWire
import Testing

/// The JSON reader against RFC 8259, edge by edge: what it must read and what it must refuse,
/// and where it says the error is.
@Suite struct JSONParserTests {
    func parse(_ text: String, limits: JSONLimits = .default) throws(OVSDBWireError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8), limits: limits)
    }

    func refusal(_ text: String, limits: JSONLimits = .default) -> OVSDBWireError? {
        do {
            let value = try parse(text, limits: limits)
            Issue.record("\(text.debugDescription) parsed as \(value)")
            return nil
        } catch {
            return error
        }
    }

    func refusal(bytes: [UInt8]) -> OVSDBWireError? {
        do {
            let value = try JSONParser.parse(bytes)
            Issue.record("\(bytes) parsed as \(value)")
            return nil
        } catch {
            return error
        }
    }

    @Test func literalsAndWhitespace() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse(" \t\r\n[ \t\r\n1 , 2 ]\n") == [1, 2])
        #expect(try parse("{}") == [:])
        #expect(try parse("[]") == [])
        #expect(try parse("\"\"") == "")
        // Scalars at the top level are JSON texts too (RFC 8259 §2).
        #expect(try parse("7") == 7)
        for bad in ["nul", "nulll", "True", "tru", "falsey", "n", "NaN", "Infinity", "-Infinity", "undefined"] {
            #expect(refusal(bad)?.reason == .syntax, "\(bad)")
        }
        // Form feed and vertical tab are not JSON whitespace.
        #expect(refusal("\u{0C}1")?.reason == .syntax)
        #expect(refusal("1\u{0B}")?.reason == .syntax)
        #expect(refusal("")?.reason == .syntax)
        #expect(refusal("   ")?.reason == .syntax)
    }

    @Test func integersStayExact() throws {
        #expect(try parse("0") == .integer(0))
        #expect(try parse("-0") == .integer(0))
        #expect(try parse("42") == .integer(42))
        #expect(try parse("-17") == .integer(-17))
        #expect(try parse("9223372036854775807") == .integer(.max))
        #expect(try parse("-9223372036854775808") == .integer(.min))
        // 2^53 + 1: a double would round it.
        #expect(try parse("9007199254740993") == .integer(9_007_199_254_740_993))
        // Past Int64: a double, as OVS's own parser does.
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("-9223372036854775809") == .double(-9_223_372_036_854_775_808.0))  // Int64.min - 1 rounds to Int64.min as a Double
        #expect(try parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test func numbersWithFractionOrExponentAreDoubles() throws {
        #expect(try parse("1.5") == .double(1.5))
        #expect(try parse("-0.25") == .double(-0.25))
        #expect(try parse("1.0") == .double(1))
        #expect(try parse("1e2") == .double(100))
        #expect(try parse("1E+2") == .double(100))
        #expect(try parse("25e-1") == .double(2.5))
        #expect(try parse("0e0") == .double(0))
        #expect(try parse("-0.0") == .double(-0.0))
        #expect(try parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try parse("5e-324") == .double(Double.leastNonzeroMagnitude))
        // Underflow to zero is fine; overflow to infinity is not a number JSON can mean.
        #expect(try parse("1e-400") == .double(0))
        #expect(refusal("1e400")?.reason == .numberOutOfRange)
        #expect(refusal("-1e400")?.reason == .numberOutOfRange)
    }

    @Test func numberSyntaxIsRFC8259s() {
        for bad in ["01", "-01", "00", "+1", "1.", ".5", "-", "-.5", "1e", "1e+", "1E-", "0x10", "1.5.2", "1e5.5", "--1", "1_000", "١"] {
            #expect(refusal(bad)?.reason == .syntax, "\(bad)")
        }
        #expect(refusal("[01]")?.location == .offset(1))
        #expect(refusal("[1.]")?.location == .offset(3))
    }

    @Test func stringEscapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\u0041\u00e9\u20AC""#) == "Aé€")
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        // A surrogate pair is one scalar (U+1F600).
        #expect(try parse(#""\uD83D\uDE00""#) == "😀")
        #expect(try parse(#""\ud83d\ude00x""#) == "😀x")
        // Raw UTF-8 passes through.
        #expect(try parse("\"ünï 😀\"") == "ünï 😀")
        for bad in [#""\x41""#, #""\u41""#, #""\u004G""#, #""\'""#, #""\U0041""#, #""\"#, #""\u"#] {
            #expect(refusal(bad)?.reason == .syntax, "\(bad)")
        }
    }

    @Test func loneSurrogatesAreNotUnicode() {
        for bad in [#""\uD800""#, #""\uD83Dx""#, #""\uDE00""#, #""\uD83D\u0041""#, #""\uD83D\uD83D""#, #""\uDFFF\uD800""#] {
            #expect(refusal(bad)?.reason == .invalidUTF8, "\(bad)")
        }
        #expect(refusal(#"["a","\uDE00"]"#)?.location == .offset(6))
    }

    @Test func stringsMustBeUTF8() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22],  // never valid
            [0x22, 0xC3, 0x22],  // truncated two-byte sequence
            [0x22, 0xC0, 0xAF, 0x22],  // overlong "/"
            [0x22, 0xE0, 0x80, 0xAF, 0x22],  // overlong, three bytes
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // a surrogate encoded as UTF-8
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // past U+10FFFF
            [0x22, 0x80, 0x22],  // a lone continuation byte
        ]
        for bytes in cases { #expect(refusal(bytes: bytes)?.reason == .invalidUTF8, "\(bytes)") }
        // A byte-order mark is refused (RFC 8259 §8.1 lets a parser ignore it; OVS never sends one).
        #expect(refusal(bytes: [0xEF, 0xBB, 0xBF] + Array("{}".utf8))?.reason == .syntax)
        // Invalid UTF-8 outside a string is a syntax error at that byte.
        #expect(refusal(bytes: Array("[1,".utf8) + [0xFF] + Array("]".utf8))?.location == .offset(3))
    }

    @Test func controlCharactersMustBeEscaped() {
        for byte in [UInt8(0x00), 0x01, 0x09, 0x0A, 0x0D, 0x1F] {
            let error = refusal(bytes: [0x22, 0x61, byte, 0x22])
            #expect(error?.reason == .syntax)
            #expect(error?.location == .offset(2))
        }
        // DEL (0x7F) is not a control character to JSON.
        #expect((try? JSONParser.parse([0x22, 0x7F, 0x22])) == .string("\u{7F}"))
    }

    @Test func unterminatedAndTruncatedTexts() {
        for bad in ["\"abc", "[1, 2", "{\"a\": 1", "{\"a\"", "{\"a\":", "[", "{", "[1,", "{\"a\":1,"] {
            #expect(refusal(bad)?.reason == .syntax, "\(bad)")
        }
        #expect(refusal("\"abc")?.location == .offset(0))
    }

    @Test func structureIsStrict() {
        for bad in ["[1,]", "[,1]", "[1 2]", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{a:1}", "{'a':1}", "{1:2}",
                    "[1]]", "[1]x", "{}{}", "[1] [2]", "// c\n[]", "[/* c */]", "{\"a\"::1}", "]", "}"] {
            #expect(refusal(bad)?.reason == .syntax, "\(bad)")
        }
        #expect(refusal("[1] x")?.location == .offset(4))
    }

    @Test func duplicateMemberNamesAreRefused() throws {
        let error = refusal(#"{"a":1,"b":2,"a":3}"#)
        #expect(error?.reason == .duplicateKey)
        #expect(error?.location == .offset(13))
        // Escapes are resolved first: "\u0061" is "a".
        #expect(refusal(#"{"a":1,"\u0061":2}"#)?.reason == .duplicateKey)
        // The same name in different objects is fine.
        #expect(try parse(#"[{"a":1},{"a":2}]"#) == [["a": 1], ["a": 2]])
    }

    @Test func depthLimit() throws {
        let limits = JSONLimits(maximumDepth: 8)
        let eight = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        #expect(try parse(eight, limits: limits).arrayValue != nil)
        let nine = String(repeating: "[", count: 9) + String(repeating: "]", count: 9)
        let error = refusal(nine, limits: limits)
        #expect(error?.reason == .depthLimit)
        #expect(error?.location == .offset(8))
        let objects = String(repeating: "{\"a\":", count: 9) + "1" + String(repeating: "}", count: 9)
        #expect(refusal(objects, limits: limits)?.reason == .depthLimit)
        // The default stops a hostile nesting long before the stack could.
        let deep = String(repeating: "[", count: 100_000)
        #expect(refusal(deep)?.reason == .depthLimit)
    }

    @Test func sizeLimit() throws {
        let limits = JSONLimits(maximumBytes: 10)
        #expect(try parse("[1,2,3,44]", limits: limits) == [1, 2, 3, 44])
        #expect(refusal("[1,2,3,444]", limits: limits)?.reason == .sizeLimit)
    }

    @Test func objectsAndArraysNest() throws {
        let value = try parse(#"{"a":[1,{"b":null,"c":[true,false]}],"d":{"e":"f"},"":0}"#)
        #expect(value == ["a": [1, ["b": nil, "c": [true, false]]], "d": ["e": "f"], "": 0])
        #expect(value["a"]?.arrayValue?.count == 2)
        #expect(value["d"]?["e"]?.stringValue == "f")
        #expect(value["nosuch"] == nil)
    }

    @Test func errorsSayWhereInTheStream() {
        do {
            _ = try JSONParser.parse(Array("[1,x]".utf8), baseOffset: 1000)
            Issue.record("parsed")
        } catch {
            #expect(error.location == .offset(1003))
            #expect(error.description == "malformed JSON at byte 1003: expected a value, found 'x'")
        }
    }

    @Test func everyCapturedMessageParses() throws {
        var count = 0
        for name in Fixture.names {
            for side in [Fixture.Side.client, .server] {
                count += try Fixture.values(name, side).count
            }
        }
        #expect(count == 107)
    }
}
