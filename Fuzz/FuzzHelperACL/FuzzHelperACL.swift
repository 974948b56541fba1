import PatchbayModel

/// libFuzzer entry point for the bridge helper's ACL file: any text is either refused with an
/// error naming a line, or read into rules that decide for any caller without a crash, and never
/// deny root.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHelperACL(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let acl = try? HelperACL(parsing: text) else { return 0 }
    let root = HelperACL.Caller(uid: 0, gids: [0], userName: "root", groupNames: ["root"])
    let user = HelperACL.Caller(uid: 1000, gids: [1000, 27], userName: "alice", groupNames: ["alice", "kvm"])
    for network in ["lab", "default", ""] {
        if !acl.decide(root, network: network).allowed { fatalError("root was denied") }
        let (_, rule) = acl.decide(user, network: network)
        if let rule, !acl.rules.contains(rule) { fatalError("a decision named a rule that is not there") }
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzHelperACL_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzHelperACL(data, size) }
}
