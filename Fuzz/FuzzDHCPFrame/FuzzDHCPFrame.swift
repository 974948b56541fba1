import DHCPWire
import PatchbayModel

/// libFuzzer entry point for the layer-2 reader of DHCP requests (what any guest can put on the
/// wire): any frame is either refused with a DHCPWireError or read into a frame whose encoding
/// reads back to the same fields, with a valid IPv4 header checksum.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDHCPFrame(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let frame = try? DHCPFrame.parse(bytes) else { return 0 }
    let encoded = frame.encoded()
    do {
        let again = try DHCPFrame.parse(encoded)
        if again != frame { fatalError("encode → parse changed the frame:\n\(frame)\n\(again)") }
    } catch {
        fatalError("an encoded frame does not parse: \(error)")
    }
    if DHCPFrame.checksum(Array(encoded[14..<34])) != 0 { fatalError("the encoded IPv4 header checksum is wrong") }
    _ = try? DHCPMessage.parse(frame.payload)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzDHCPFrame_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzDHCPFrame(data, size) }
}
