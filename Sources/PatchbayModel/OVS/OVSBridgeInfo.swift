/// The Open vSwitch lines of `net-info`.
public struct OVSBridgeInfo: Sendable, Hashable, Codable {
    public var bridge: String
    /// Patchbay made the bridge (and deletes it at stop); otherwise it is the administrator's.
    public var ownedByPatchbay: Bool
    /// "netdev" (userspace) or "system" (kernel); nil when Open vSwitch did not answer.
    public var datapathType: String?
    public var ports: Int?

    public init(bridge: String, ownedByPatchbay: Bool, datapathType: String? = nil, ports: Int? = nil) {
        self.bridge = bridge
        self.ownedByPatchbay = ownedByPatchbay
        self.datapathType = datapathType
        self.ports = ports
    }
}
