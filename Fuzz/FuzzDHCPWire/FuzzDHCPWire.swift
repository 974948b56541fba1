import DHCPWire
import PatchbayModel

/// libFuzzer entry point for the DHCP parser: any input is either refused with a DHCPWireError
/// or parses into a message whose encoding parses back to the same message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDHCPWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard var message = try? DHCPMessage.parse(bytes) else { return 0 }
    // Overloaded file/sname fields are re-read as options on parse; the encoder writes options
    // only to the options field, so compare with the overload removed.
    if message.options[DHCPOptionCode.optionOverload] != nil {
        message.options[DHCPOptionCode.optionOverload] = nil
        message.file = Array(repeating: 0, count: 128)
        message.sname = Array(repeating: 0, count: 64)
    }
    do {
        let again = try DHCPMessage.parse(message.encoded())
        if again != message { fatalError("encode → parse changed the message:\n\(message)\n\(again)") }
    } catch {
        fatalError("an encoded message does not parse: \(error)")
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzDHCPWire_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzDHCPWire(data, size) }
}
