import PatchbayModel

/// `iface-bridge`/`iface-unbridge` as the API sees them; the daemon gives it
/// `KernelInterfaceBridge` (PatchbayKernel). They touch host NICs, not networks, so they take no
/// network lock; the kernel's state is all they read and write.
public protocol InterfaceBridging: Sendable {
    func bridge(_ request: InterfaceBridgeRequest) async throws(PatchbayError) -> InterfaceBridgeResult
    func unbridge(bridge: String) async throws(PatchbayError) -> InterfaceBridgeResult
}
