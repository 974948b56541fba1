import NWFilter
import PatchbayModel

/// libFuzzer entry point for the reader of a guest's frames (CTRL_IP_LEARNING=any): any bytes
/// give an address or nil, never a crash or a read past the end, and an address it gives is
/// one a guest may hold (not 0.0.0.0, multicast or class E).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrafficLearning(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let frame = Array(UnsafeBufferPointer(start: data, count: size))
    // The guest's MAC is the frame's own source when it has one, so that the parser's paths
    // past the MAC check are reached.
    let mac = frame.count >= 12 ? MACAddress(bytes: frame[6..<12]) : MACAddress(bytes: [0x52, 0x54, 0, 0, 0, 1])
    if let mac, let address = NWFilterTrafficLearning.address(in: frame, from: mac) {
        if address.value == 0 || address.value >> 28 >= 0xE { fatalError("learnt an address no guest may hold: \(address)") }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

/// The executable's entry point (SwiftPM links `main` to `<module>_main`): libFuzzer's driver.
@_cdecl("FuzzTrafficLearning_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzTrafficLearning(data, size) }
}
