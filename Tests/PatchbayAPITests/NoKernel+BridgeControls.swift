import PatchbayEngine
import PatchbayModel

// MARK: - Bridge controls (issue 13, item 7): the API tests never reach the kernel.
extension NoKernel {
    func setBridgeControls(index: Int32, _ controls: BridgeControls) async throws(PatchbayError) { throw noKernel }
    func bridgeControls(index: Int32) async throws(PatchbayError) -> BridgeControls? { nil }
    func setPortBridgeControls(index: Int32, _ controls: PortBridgeControls) async throws(PatchbayError) { throw noKernel }
    func portBridgeControls(index: Int32) async throws(PatchbayError) -> PortBridgeControls? { nil }
    func fdb(ofBridge bridgeIndex: Int32) async throws(PatchbayError) -> [KernelFDBEntry] { [] }
    func addStaticFDBEntry(_ mac: MACAddress, vlan: Int?, portIndex: Int32) async throws(PatchbayError) { throw noKernel }
    func deleteFDBEntry(_ mac: MACAddress, vlan: Int?, portIndex: Int32) async throws(PatchbayError) { throw noKernel }
    private var noKernel: PatchbayError { PatchbayError(.internal, "the API tests do not touch the kernel") }
}
