import PatchbayModel

/// libFuzzer entry point for the loop guard's probe reader, which reads frames any guest can send.
/// Any input must be either refused (nil) or read; a frame that reads must carry exactly what
/// encoding that probe again writes in its first 39 bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLoopProbe(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // The fuzzer cannot know a real daemon's secret; a token that depends on both indices keeps
    // the check honest while letting it find frames that pass.
    let token: (Int32, Int32) -> UInt64 = { bridge, egress in UInt64(UInt32(bitPattern: bridge)) << 32 | UInt64(UInt32(bitPattern: egress)) }
    guard let probe = LoopProbe(frame: bytes, token: token) else { return 0 }
    let again = probe.frame
    guard Array(again.prefix(39)) == Array(bytes.prefix(39)), LoopProbe(frame: again, token: token) == probe else {
        fatalError("probe read from \(bytes) encodes differently: \(again)")
    }
    return 0
}

/// SwiftPM links executables with `main` aliased to `<Target>_main`; libFuzzer brings the real
/// driver, which this hands control to.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzLoopProbe_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzLoopProbe(data, size) }
}
