import DNSWire

/// What a rejection came down to, so a test can hold the reason and the offset in one `#expect`.
struct Rejection: Equatable, CustomStringConvertible {
    var reason: DNSWireError.Reason
    var offset: Int

    init(_ reason: DNSWireError.Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    var description: String { "\(reason) at \(offset)" }
}

/// The rejection `DNSMessage.parse` gives, or nil if it accepts the bytes.
func rejection(_ bytes: [UInt8]) -> Rejection? {
    do {
        _ = try DNSMessage.parse(bytes)
        return nil
    } catch {
        return Rejection(error.reason, at: error.offset)
    }
}

/// The rejection `DNSName(text)` gives, or nil if it accepts the text.
func nameRejection(_ text: String) -> Rejection? {
    do {
        _ = try DNSName(text)
        return nil
    } catch {
        return Rejection(error.reason, at: error.offset)
    }
}

func name(_ text: String) -> DNSName {
    // Test literals only: a bad one is a bug in the test.
    try! DNSName(text)
}

/// Wire form of a name without compression, for building test messages.
func wire(_ text: String) -> [UInt8] {
    name(text).labels.flatMap { [UInt8($0.count)] + $0 } + [0]
}

/// A 12-byte header with the given flags and counts.
func header(id: UInt16 = 0, flags: UInt16 = 0, qd: UInt16 = 0, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
    [id, flags, qd, an, ns, ar].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
}

/// RDLENGTH and RDATA of `data` as the encoder writes them, with a root owner so nothing before
/// them can be a compression target.
func rdataBytes(_ data: DNSRecordData) -> [UInt8] {
    let message = DNSMessage(answers: [DNSRecord(name: .root, ttl: 0, data: data)])
    return Array(message.encoded()[(12 + 1 + 8)...])  // from RDLENGTH on
}

func roundTrip(_ message: DNSMessage) throws -> DNSMessage {
    try DNSMessage.parse(message.encoded())
}
