import OVSDBWire
import Testing

/// The stream framer: ovsdb-server's messages come back to back without delimiters, and a read
/// may end at any byte. However the captured streams are cut, the same messages come out.
@Suite struct JSONStreamFramerTests {
    /// Feeds `bytes` in pieces of the given sizes (cycled), collecting every value.
    func frame(_ bytes: [UInt8], pieces: [Int], limits: JSONLimits = .default) throws -> [JSONValue] {
        var framer = JSONStreamFramer(limits: limits)
        var values: [JSONValue] = []
        var offset = 0, index = 0
        while offset < bytes.count {
            let size = max(1, pieces[index % pieces.count])
            let end = min(bytes.count, offset + size)
            framer.append(bytes[offset..<end])
            values += try framer.drain()
            offset = end
            index += 1
        }
        return values
    }

    @Test func splitsConcatenatedMessages() throws {
        let text = #"{"id":1,"result":[],"error":null}{"id":2,"result":{},"error":null}  [1]"# + "\n" + #"{"a":"}{]["}"#
        var framer = JSONStreamFramer()
        framer.append(Array(text.utf8))
        #expect(try framer.drain() == [["id": 1, "result": [], "error": nil], ["id": 2, "result": [:], "error": nil], [1], ["a": "}{]["]])
        #expect(framer.bufferedByteCount == 0)
        #expect(try framer.next() == nil)
    }

    @Test func bracketsAndQuotesInsideStringsDoNotCount() throws {
        let text = #"{"a":"\"}\\","b":"[[[\\\"{"}"# + #"["\\"]"#
        var framer = JSONStreamFramer()
        framer.append(Array(text.utf8))
        #expect(try framer.drain() == [["a": "\"}\\", "b": "[[[\\\"{"], ["\\"]])
    }

    @Test func everySplitOfASmallStreamGivesTheSameMessages() throws {
        for name in ["client-monitor.client", "echo-and-errors.server", "transact-constraint-violation.server", "set-qos.client",
                     "transact-referential-integrity.server", "monitored-del-port.server"] {
            let parts = name.split(separator: ".")
            let bytes = Fixture.bytes(String(parts[0]), Fixture.Side(rawValue: String(parts[1]))!)
            let whole = try frame(bytes, pieces: [bytes.count])
            #expect(!whole.isEmpty)
            for cut in 1..<bytes.count {
                var framer = JSONStreamFramer()
                framer.append(bytes[..<cut])
                var values = try framer.drain()
                framer.append(bytes[cut...])
                values += try framer.drain()
                #expect(values == whole, "\(name) cut at \(cut)")
                #expect(framer.bufferedByteCount == 0)
            }
        }
    }

    @Test func everyCapturedStreamInPiecesOfEverySize() throws {
        for name in Fixture.names {
            for side in [Fixture.Side.client, .server] {
                let bytes = Fixture.bytes(name, side)
                let whole = try frame(bytes, pieces: [bytes.count])
                for size in [1, 2, 3, 5, 7, 64, 100, 1000, 4096] {
                    #expect(try frame(bytes, pieces: [size]) == whole, "\(name).\(side) in pieces of \(size)")
                }
                #expect(try frame(bytes, pieces: [1, 13, 2, 255, 3, 8191]) == whole)
            }
        }
    }

    @Test func aMultibyteCharacterSplitAcrossReads() throws {
        let bytes = Array(#"{"name":"vnet😀ü"}"#.utf8)
        for cut in 1..<bytes.count {
            var framer = JSONStreamFramer()
            framer.append(bytes[..<cut])
            #expect(try framer.next() == nil)
            framer.append(bytes[cut...])
            #expect(try framer.next() == ["name": "vnet😀ü"])
        }
    }

    @Test func anIncompleteMessageStaysBuffered() throws {
        // The raw client's last write was "[1,2": no message yet.
        let bytes = Fixture.bytes("echo-and-errors", .client)
        var framer = JSONStreamFramer()
        framer.append(bytes)
        let values = try framer.drain()
        #expect(values.count == 6)
        #expect(framer.bufferedByteCount == 4)
        framer.append(Array("]".utf8))
        #expect(try framer.next() == [1, 2])
    }

    @Test func aStreamOfScalarsIsRefused() {
        var framer = JSONStreamFramer()
        framer.append(Array(#"{"id":1,"result":[],"error":null} 42"#.utf8))
        #expect((try? framer.next()) == ["id": 1, "result": [], "error": nil])
        do {
            _ = try framer.next()
            Issue.record("a number at the top level of the stream was accepted")
        } catch {
            #expect(error.reason == .syntax)
            #expect(error.location == .offset(34))  // the 4 after 33 bytes and a space
        }
    }

    @Test func errorsAreFinal() {
        var framer = JSONStreamFramer()
        framer.append(Array("[1,,2]".utf8))
        let first = #expect(throws: OVSDBWireError.self) { _ = try framer.next() }
        #expect(first?.reason == .syntax)
        #expect(first?.location == .offset(3))
        framer.append(Array("[3]".utf8))
        let again = #expect(throws: OVSDBWireError.self) { _ = try framer.next() }
        #expect(again == first)
    }

    @Test func offsetsCountFromTheStartOfTheStream() throws {
        var framer = JSONStreamFramer()
        framer.append(Array("[1] [2] ".utf8))
        _ = try framer.drain()
        framer.append(Array("[3, nul]".utf8))
        let error = #expect(throws: OVSDBWireError.self) { _ = try framer.next() }
        #expect(error?.location == .offset(12))
        #expect(framer.streamOffset == 16)
    }

    @Test func aMessageLargerThanTheLimitIsRefusedBeforeItEnds() {
        var framer = JSONStreamFramer(limits: JSONLimits(maximumBytes: 100))
        framer.append(Array(("[\"" + String(repeating: "x", count: 200)).utf8))
        let error = #expect(throws: OVSDBWireError.self) { _ = try framer.next() }
        #expect(error?.reason == .sizeLimit)
        // Exactly at the limit is fine.
        var fits = JSONStreamFramer(limits: JSONLimits(maximumBytes: 10))
        fits.append(Array("[\"123456\"]".utf8))
        #expect((try? fits.next()) == ["123456"])
    }

    @Test func nestingDeeperThanTheLimitIsRefusedWhileScanning() throws {
        var framer = JSONStreamFramer(limits: JSONLimits(maximumDepth: 4))
        framer.append(Array("[[[[".utf8))
        #expect(try framer.next() == nil)
        framer.append(Array("[".utf8))
        let error = #expect(throws: OVSDBWireError.self) { _ = try framer.next() }
        #expect(error?.reason == .depthLimit)
        #expect(error?.location == .offset(4))
    }

    @Test func whitespaceBetweenMessagesIsDropped() throws {
        var framer = JSONStreamFramer()
        framer.append(Array(" \n\t\r ".utf8))
        #expect(try framer.next() == nil)
        #expect(framer.bufferedByteCount == 0)
        framer.append(Array("{}".utf8))
        #expect(try framer.next() == [:])
    }
}
