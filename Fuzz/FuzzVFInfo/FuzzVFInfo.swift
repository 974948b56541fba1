import NetlinkWire
import PatchbayModel

/// libFuzzer entry point for the reader of a PF's IFLA_VFINFO_LIST (`VirtualFunctionInfo`): the
/// input is the attributes of an RTM_NEWLINK after its ifinfomsg, as the kernel sends them for
/// `ip link show dev PF`. Any input must be refused with a NetlinkWireError or read; every VF read
/// must, written back as `ip link set dev PF vf N mac … vlan … min_tx_rate … max_tx_rate …
/// spoofchk … trust … state …`, read back as the same VF.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVFInfo(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let message = NetlinkMessage(type: NetlinkConstants.RTM_NEWLINK, flags: 0,
                                 payload: IfInfoMessage(index: 3).bytes + Array(UnsafeBufferPointer(start: data, count: size)))
    _ = try? VirtualFunctionInfo.count(message)
    guard let vfs = try? VirtualFunctionInfo.parseList(message) else { return 0 }
    for vf in vfs where vf.qos <= UInt32(UInt8.max) {
        var settings: [VirtualFunctionSetting] = []
        if let mac = vf.mac { settings.append(.mac(mac)) }
        settings.append(.vlan(id: vf.vlan, qos: UInt8(vf.qos), proto: vf.vlanProtocol))
        settings.append(.rate(minMbps: vf.minTxRate, maxMbps: vf.maxTxRate))
        if let on = vf.spoofCheck { settings.append(.spoofCheck(on)) }
        if let on = vf.trust { settings.append(.trust(on)) }
        if let state = vf.linkState { settings.append(.linkState(state)) }
        let request = LinkRequest.setVirtualFunction(pfIndex: 3, vf: vf.vf, settings)
        guard let again = try? VirtualFunctionInfo.parseList(request), again == [vf] else {
            fatalError("VF read → written → read changed it: \(vf)")
        }
    }
    return 0
}

/// SwiftPM links executables with `main` aliased to `<Target>_main`; libFuzzer brings the real
/// driver, which this hands control to.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("FuzzVFInfo_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzVFInfo(data, size) }
}
