import NWFilter
import PatchbayModel

/// libFuzzer entry point for the nwfilter readers (`<filter>` and `<filterbinding>`): any
/// input must be refused with a NetworkXMLError, or parse into a value whose formatted XML
/// reads back and formats to the same text. A crash, a hang, or a round trip that changes the
/// text is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNWFilterXML(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let fixedUUID = NetworkUUID("5c6d49af-b071-6127-b4ec-6f8ed4b55335")!
    if let filter = try? NWFilterXMLParser.parse(text, generateUUID: { fixedUUID }) {
        let formatted = NWFilterXMLFormatter.format(filter)
        do {
            let again = NWFilterXMLFormatter.format(try NWFilterXMLParser.parse(formatted))
            if again != formatted { fatalError("filter format → parse → format changed the text:\n--- first\n\(formatted)--- second\n\(again)") }
        } catch {
            fatalError("formatted filter does not read back: \(error)\n\(formatted)")
        }
    }
    if let binding = try? NWFilterBindingXML.parse(text) {
        let formatted = NWFilterBindingXML.format(binding)
        do {
            let again = NWFilterBindingXML.format(try NWFilterBindingXML.parse(formatted))
            if again != formatted { fatalError("binding format → parse → format changed the text:\n--- first\n\(formatted)--- second\n\(again)") }
        } catch {
            fatalError("formatted binding does not read back: \(error)\n\(formatted)")
        }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzNWFilterXML_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzNWFilterXML(data, size) }
}
