import DNSWire
import Testing

/// RFC 1035 §3.3.14: TXT RDATA is one or more character-strings of at most 255 bytes each.
@Suite struct TXTTests {
    @Test func longTextIsSplitInto255ByteStrings() throws {
        let text = String(repeating: "a", count: 600)
        let data = DNSRecordData.text(text)
        guard case .txt(let strings) = data else { Issue.record("not TXT"); return }
        #expect(strings.map(\.count) == [255, 255, 90])
        #expect(data.textBytes == Array(text.utf8))
        let rdata = rdataBytes(data)
        #expect(Array(rdata[0..<2]) == [0x02, 0x5b])  // RDLENGTH 603 = 600 + 3 length bytes
        #expect(rdata[2] == 255 && rdata[258] == 255 && rdata[514] == 90)
        #expect(rdata.count == 2 + 603)
        let back = try roundTrip(DNSMessage(answers: [DNSRecord(name: name("t.example"), ttl: 0, data: data)]))
        #expect(back.answers.first?.data == data)
    }

    @Test func exactly255BytesIsOneString() {
        guard case .txt(let strings) = DNSRecordData.text(String(repeating: "b", count: 255)) else { return }
        #expect(strings.map(\.count) == [255])
        guard case .txt(let more) = DNSRecordData.text(String(repeating: "b", count: 256)) else { return }
        #expect(more.map(\.count) == [255, 1])
    }

    @Test func emptyTextIsOneEmptyString() {
        #expect(DNSRecordData.text("") == .txt([[]]))
        #expect(rdataBytes(.text("")) == [0x00, 0x01, 0x00])
        // With no strings at all the encoder still writes the one RFC 1035 requires.
        #expect(rdataBytes(.txt([])) == [0x00, 0x01, 0x00])
    }

    /// A string over 255 bytes built by hand is split on the wire rather than cut.
    @Test func overlongStringsAreSplitWhenWritten() throws {
        let data = DNSRecordData.txt([Array(repeating: 0x41, count: 300), [0x42]])
        let rdata = rdataBytes(data)
        #expect(Array(rdata[0..<2]) == [0x01, 0x30])  // 304 = 300 + 1 + 3 length bytes
        #expect(rdata[2] == 255 && rdata[258] == 45 && rdata[304] == 1 && rdata[305] == 0x42)
        let back = try roundTrip(DNSMessage(answers: [DNSRecord(name: .root, ttl: 0, data: data)]))
        #expect(back.answers.first?.data == .txt([Array(repeating: 0x41, count: 255), Array(repeating: 0x41, count: 45), [0x42]]))
        #expect(back.answers.first?.data.textBytes == Array(repeating: 0x41, count: 300) + [0x42])
    }

    @Test func textBytesIsNilForOtherTypes() {
        #expect(DNSRecordData.ptr(.root).textBytes == nil)
    }
}
