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
