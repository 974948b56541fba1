/// `POST /v1/interfaces/bridges`: `patchbay iface-bridge NIC BRIDGE [--no-stp] [--delay N]`.
public struct InterfaceBridgeRequest: Sendable, Hashable, Codable {
    public var nic: String
    public var bridge: String
    /// virsh's default: STP on.
    public var stp: Bool
    /// Forward delay in seconds (virsh's default 0).
    public var delay: Int

    public init(nic: String, bridge: String, stp: Bool = true, delay: Int = 0) {
        self.nic = nic
        self.bridge = bridge
        self.stp = stp
        self.delay = delay
    }
}

/// The answer of `iface-bridge` and `iface-unbridge`: which NIC and which bridge.
public struct InterfaceBridgeResult: Sendable, Hashable, Codable {
    public var nic: String
    public var bridge: String

    public init(nic: String, bridge: String) {
        self.nic = nic
        self.bridge = bridge
    }
}
