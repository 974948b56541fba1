import PatchbayClient
import PatchbayModel
import Testing

@Suite("Chunked framing and server-sent events, as they arrive")
struct StreamParsingTests {
    @Test func chunksAreHandedOnWhenWhole() throws {
        var decoder = ChunkedDecoder()
        let wire = Array("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n".utf8)
        var out: [UInt8] = []
        // Fed a byte at a time: nothing is lost at any boundary.
        for byte in wire { out += try decoder.feed([byte]) }
        #expect(String(decoding: out, as: UTF8.self) == "hello world")
        #expect(decoder.isFinished)
        var whole = ChunkedDecoder()
        #expect(try whole.feed(wire) == Array("hello world".utf8))
    }

    @Test func framingThatIsNotChunkedIsRefused() {
        var decoder = ChunkedDecoder()
        #expect(throws: PatchbayError.self) { try decoder.feed(Array("zz\r\nhello\r\n".utf8)) }
        var endless = ChunkedDecoder()
        #expect(throws: PatchbayError.self) { try endless.feed([UInt8](repeating: 0x31, count: 2000)) }
        // A size that would overflow, and a chunk whose data does not end in CRLF.
        var huge = ChunkedDecoder()
        #expect(throws: PatchbayError.self) { try huge.feed(Array("7fffffffffffffff\r\nx".utf8)) }
        var unterminated = ChunkedDecoder()
        #expect(throws: PatchbayError.self) { try unterminated.feed(Array("2\r\nabXY0\r\n\r\n".utf8)) }
    }

    /// FuzzHTTPReply's find: a negative Content-Length trapped instead of being refused.
    @Test func aNegativeContentLengthIsRefused() {
        #expect(throws: PatchbayError.self) {
            try HTTPReplyReader.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nbody".utf8), socketPath: "/x")
        }
        #expect(throws: PatchbayError.self) {
            try HTTPReplyReader.parse(Array("HTTP/1.1 200 OK\r\nContent-Length: four\r\n\r\nbody".utf8), socketPath: "/x")
        }
    }

    @Test func serverSentEventsSplitAnywhere() {
        let wire = Array(": comment\n\nid: 7\nevent: port-created\ndata: {\"a\":1}\n\nevent: dropped\r\ndata: x\r\ndata: y\r\n\r\n".utf8)
        for split in 0..<wire.count {
            var parser = ServerSentEventParser()
            let messages = parser.feed(wire[..<split]) + parser.feed(wire[split...])
            #expect(messages == [.init(id: "7", event: "port-created", data: "{\"a\":1}"), .init(id: "7", event: "dropped", data: "x\ny")])
        }
    }
}
