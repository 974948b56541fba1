import PatchbayModel

/// libvirt's `<bandwidth>` in the kernel (the daemon gives the engine `KernelBandwidth`; tests
/// a recording fake). Every call makes the device match the definition and changes only what
/// differs, so calling it again at a restart interrupts nothing.
public protocol BandwidthShaping: Sendable {
    /// A port device's inbound (its egress) and outbound (its ingress, through an IFB);
    /// nil: no shaping of Patchbay's.
    func shapePort(_ device: String, _ bandwidth: BandwidthDefinition?) async throws(PatchbayError)
    /// The port's device went: what lives beside it (its IFB) goes too.
    func unshapePort(_ device: String) async throws(PatchbayError)
    /// A network's bridge: its `<bandwidth>` and its ports' floors.
    func shapeBridge(_ bridge: String, _ bandwidth: BandwidthDefinition?, floors: [BandwidthFloor]) async throws(PatchbayError)
}

/// For daemons and tests without tc: shapes nothing.
public final class NoBandwidthShaping: BandwidthShaping {
    public init() {}
    public func shapePort(_ device: String, _ bandwidth: BandwidthDefinition?) async throws(PatchbayError) {}
    public func unshapePort(_ device: String) async throws(PatchbayError) {}
    public func shapeBridge(_ bridge: String, _ bandwidth: BandwidthDefinition?, floors: [BandwidthFloor]) async throws(PatchbayError) {}
}

extension BandwidthDefinition {
    /// Whether it asks for anything at all (an empty `<bandwidth/>` does not).
    public var isEmpty: Bool {
        (inbound.map { $0.average == nil && $0.peak == nil && $0.burst == nil && $0.floor == nil } ?? true)
            && (outbound.map { $0.average == nil && $0.peak == nil && $0.burst == nil } ?? true)
    }
}
