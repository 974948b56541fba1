import PatchbayEngine
import PatchbayModel

/// The engine's view of tc: the changes made are logged by the engine's callers, not returned.
extension KernelBandwidth: BandwidthShaping {
    public func shapePort(_ device: String, _ bandwidth: BandwidthDefinition?) async throws(PatchbayError) {
        _ = try await apply(bandwidth, port: device)
    }

    public func unshapePort(_ device: String) async throws(PatchbayError) {
        try await removePort(device: device)
    }

    public func shapeBridge(_ bridge: String, _ bandwidth: BandwidthDefinition?, floors: [BandwidthFloor]) async throws(PatchbayError) {
        _ = try await applyNetwork(bridge: bridge, bandwidth: bandwidth, floors: floors)
    }
}
