import LibvirtXML
import PatchbayModel

/// libFuzzer entry point for the network XML reader: any input must either be refused with a
/// NetworkXMLError or parse into a definition whose formatted XML reads back to the same text.
/// A crash, a hang, or a round trip that changes the text is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetworkXML(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    fuzzNetworkPortXML(text)
    let fixedUUID = NetworkUUID("81ff0d90-c91e-6742-64da-4a736edb9a9b")!
    guard let parsed = try? NetworkXML.read(text, level: .document, generateUUID: { fixedUUID }) else { return 0 }
    let formatted = NetworkXML.format(parsed.definition)
    do {
        let again = try NetworkXML.read(formatted, level: .document)
        let reformatted = NetworkXML.format(again.definition)
        if reformatted != formatted {
            fatalError("format → parse → format changed the text:\n--- first\n\(formatted)--- second\n\(reformatted)")
        }
    } catch {
        fatalError("formatted output does not read back: \(error)\n\(formatted)")
    }
    return 0
}

/// The network port reader (`net-port-dumpxml`'s format) under the same rule: refused, or a
/// definition whose formatted XML reads back to the same text.
func fuzzNetworkPortXML(_ text: String) {
    guard let port = try? NetworkPortXMLParser.parse(text) else { return }
    let formatted = NetworkPortXMLFormatter.format(port)
    do {
        let again = NetworkPortXMLFormatter.format(try NetworkPortXMLParser.parse(formatted))
        if again != formatted { fatalError("port format → parse → format changed the text:\n--- first\n\(formatted)--- second\n\(again)") }
    } catch {
        fatalError("formatted port XML does not read back: \(error)\n\(formatted)")
    }
}

/// SwiftPM links executables with `main` aliased to `<Target>_main`; libFuzzer brings the real
/// driver, which this hands control to.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzNetworkXML_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzNetworkXML(data, size) }
}
