import FoundationEssentials
import PatchbayClient

/// libFuzzer entry point for the CLI's reader of the daemon's HTTP answers: any input is
/// refused with a PatchbayError or read; and a body the input's bytes make, sent in chunks of
/// the sizes the input's first bytes give, reads back whole.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPReply(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? HTTPReplyReader.parse(bytes, socketPath: "/fuzz")
    guard let first = bytes.first else { return 0 }
    let body = Array(bytes.dropFirst())
    var chunked = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
    var rest = body[...]
    let step = Int(first % 17) + 1
    while !rest.isEmpty {
        let piece = rest.prefix(step)
        chunked += Array(String(piece.count, radix: 16).utf8) + [13, 10] + piece + [13, 10]
        rest = rest.dropFirst(piece.count)
    }
    chunked += Array("0\r\n\r\n".utf8)
    do {
        let reply = try HTTPReplyReader.parse(chunked, socketPath: "/fuzz")
        if reply.status != 200 || Array(reply.body) != body { fatalError("a chunked body did not read back: \(body)") }
    } catch {
        fatalError("a well-formed chunked answer was refused: \(error)")
    }
    // The streaming reader (events, captures): the same chunked body fed in pieces of another
    // size reads back whole; the input itself as chunked framing is refused or read, never a crash.
    let framing = Array(chunked[chunked.firstRange(of: [13, 10, 13, 10])!.upperBound...])
    var decoder = ChunkedDecoder()
    var streamed: [UInt8] = []
    var pieces = framing[...]
    let size = Int(first % 7) + 1
    do {
        while !pieces.isEmpty {
            streamed += try decoder.feed(pieces.prefix(size))
            pieces = pieces.dropFirst(size)
        }
    } catch {
        fatalError("the streaming reader refused a well-formed chunked body: \(error)")
    }
    if streamed != body || !decoder.isFinished { fatalError("the streaming reader lost bytes of \(body)") }
    var raw = ChunkedDecoder()
    _ = try? raw.feed(bytes)
    // Server-sent events: split anywhere, the same messages.
    var whole = ServerSentEventParser()
    let all = whole.feed(bytes)
    var split = ServerSentEventParser()
    let cut = Int(first) % (bytes.count + 1)
    let parts = split.feed(bytes[..<cut]) + split.feed(bytes[cut...])
    if parts != all { fatalError("server-sent events read differently when split at \(cut)") }
    return 0
}

/// SwiftPM links executables with `main` aliased to `<Target>_main`; libFuzzer brings the real
/// driver, which this hands control to.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzHTTPReply_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzHTTPReply(data, size) }
}
