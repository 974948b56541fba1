import OVSDBWire
import Testing

/// The JSON writer: compact, members sorted, strings escaped exactly where RFC 8259 §7 says, and
/// every value reads back equal.
@Suite struct JSONSerializerTests {
    @Test func compactWithMembersSorted() {
        let value: JSONValue = ["method": "echo", "params": [], "id": 7, "b": ["y": true, "x": nil]]
        #expect(value.text == #"{"b":{"x":null,"y":true},"id":7,"method":"echo","params":[]}"#)
        // By UTF-8 bytes: "Z" (0x5A) before "_" (0x5F) before "a" (0x61) before "é".
        let keys: JSONValue = ["é": 1, "a": 2, "_": 3, "Z": 4]
        #expect(keys.text == #"{"Z":4,"_":3,"a":2,"é":1}"#)
    }

    @Test func stringsAreEscapedAsRFC8259Requires() {
        #expect(JSONValue.string("a\"b\\c/d").text == #""a\"b\\c/d""#)
        #expect(JSONValue.string("\n\r\t\u{08}\u{0C}").text == #""\n\r\t\b\f""#)
        #expect(JSONValue.string("\u{0}\u{1}\u{1F}").text == #""\u0000\u0001\u001f""#)
        #expect(JSONValue.string("\u{7F}é€😀").text == "\"\u{7F}é€😀\"")
    }

    @Test func numbers() {
        #expect(JSONValue.integer(.min).text == "-9223372036854775808")
        #expect(JSONValue.integer(.max).text == "9223372036854775807")
        #expect(JSONValue.double(1.5).text == "1.5")
        #expect(JSONValue.double(100).text == "100.0")
        #expect(JSONValue.double(1e-5).text == "1e-05")
        #expect(JSONValue.double(1e16).text == "1e+16")
        #expect(JSONValue.double(-0.0).text == "-0.0")
        // JSON cannot say these; the parser never makes them.
        #expect(JSONValue.double(.infinity).text == "null")
        #expect(JSONValue.double(.nan).text == "null")
    }

    @Test func valuesReadBackEqual() throws {
        let values: [JSONValue] = [
            nil, true, false, 0, -1, .integer(.min), .integer(.max), 0.1, 1e300, -2.5e-300, .double(Double.leastNonzeroMagnitude), 100.0,
            "", "\u{0}", "\"\\", "😀\u{1F}", [], [:], [[[]]], ["": ["": ""]],
            ["id": nil, "method": "update", "params": [nil, ["Interface": ["e3bb082b-7bab-4ed3-9654-5cf40d96a14d": ["new": ["ofport": 1]]]]]],
        ]
        for value in values {
            #expect(try JSONParser.parse(value.serialized()) == value, "\(value)")
        }
    }

    @Test func everyCapturedMessageReadsBackEqual() throws {
        for name in Fixture.names {
            for side in [Fixture.Side.client, .server] {
                for value in try Fixture.values(name, side) {
                    let bytes = value.serialized()
                    let again = try JSONParser.parse(bytes)
                    #expect(again == value)
                    #expect(again.serialized() == bytes)
                }
            }
        }
    }
}
