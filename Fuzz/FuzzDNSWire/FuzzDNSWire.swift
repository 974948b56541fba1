import DNSWire
import PatchbayModel

/// libFuzzer entry point for the DNS message parser (and its question-only reader): any input is either refused with a
/// DNSWireError or parses into a message that encodes, parses back to the same message, and
/// encodes again to the same bytes. Truncating it to 512 bytes must give a message that parses,
/// keeps the question and the OPT record, and holds a prefix of the answers. A crash, a hang or
/// a broken round trip is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDNSWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkNameText(bytes)
    // The forwarder's reply check reads the header and questions alone: whatever parses whole
    // must give it the same header and questions.
    let questionsOnly = try? DNSMessage.parseQuestions(bytes)
    // The cache's layout walk: never a crash, and on any message that parses, one TTL offset per
    // record, each pointing at that record's TTL.
    let layout = try? DNSMessage.layout(bytes)
    guard let message = try? DNSMessage.parse(bytes) else { return 0 }
    let records = message.answers + message.authority + message.additional
    guard let layout, layout.ttlOffsets.count == records.count else {
        fatalError("layout disagrees with parse:\n\(message)\n\(String(describing: layout))")
    }
    for (record, offset) in zip(records, layout.ttlOffsets) {
        let ttl = bytes[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        if ttl != record.ttl { fatalError("layout's TTL offset \(offset) holds \(ttl), the record says \(record.ttl)") }
    }
    guard let questionsOnly, questionsOnly.header == message.header, questionsOnly.questions == message.questions else {
        fatalError("parseQuestions disagrees with parse:\n\(message)\n\(String(describing: questionsOnly))")
    }

    let encoded = message.encoded()
    let again: DNSMessage
    do {
        again = try DNSMessage.parse(encoded)
    } catch {
        fatalError("an encoded message does not parse: \(error)\n\(message)\n\(encoded)")
    }
    if again != message { fatalError("encode → parse changed the message:\n\(message)\n\(again)") }
    if again.hashValue != message.hashValue { fatalError("equal messages hash differently:\n\(message)") }
    let reencoded = again.encoded()
    if reencoded != encoded { fatalError("encode → parse → encode changed the bytes:\n\(encoded)\n\(reencoded)") }

    for question in message.questions { checkPresentation(question.name) }
    for record in message.answers { checkPresentation(record.name) }

    let limit = 512
    let cut = message.encoded(maxSize: limit)
    do {
        let short = try DNSMessage.parse(cut)
        if short.questions != message.questions { fatalError("truncation changed the question:\n\(message)") }
        if short.edns != message.edns { fatalError("truncation lost or changed the OPT record:\n\(message)\n\(short)") }
        if !message.answers.starts(with: short.answers) { fatalError("truncation kept answers that are not a prefix:\n\(message)") }
        if !message.authority.starts(with: short.authority) && !short.authority.isEmpty {
            fatalError("truncation kept authority records that are not a prefix:\n\(message)")
        }
        if cut.count > limit && !(short.answers.isEmpty && short.authority.isEmpty && short.additional.allSatisfy { $0.type == .opt }) {
            fatalError("truncated message is \(cut.count) bytes yet keeps records:\n\(short)")
        }
        if short.answers.count < message.answers.count && !short.header.isTruncated {
            fatalError("answers were dropped without TC:\n\(message)")
        }
    } catch {
        fatalError("a truncated message does not parse: \(error)\n\(message)")
    }
    return 0
}

/// A name's presentation form must read back to the same labels, byte for byte.
func checkPresentation(_ name: DNSName) {
    guard let back = try? DNSName(name.description), back.labels == name.labels else {
        fatalError("\(name) does not read back from its text")
    }
}

/// The text parser: any input is refused or gives a name whose text reads back to it.
func checkNameText(_ bytes: [UInt8]) {
    guard bytes.count <= 1024, let name = try? DNSName(String(decoding: bytes, as: UTF8.self)) else { return }
    if name.wireLength > DNSName.maximumWireLength { fatalError("\(name) is longer than 255 bytes") }
    checkPresentation(name)
}

/// SwiftPM links executables with `main` aliased to `<Target>_main`; libFuzzer brings the real
/// driver, which this hands control to.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzDNSWire_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzDNSWire(data, size) }
}
