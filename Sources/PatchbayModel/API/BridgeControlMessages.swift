/// `PUT /v1/networks/{name}/bridge` (`net-bridge-set`): the values to change; nil keeps.
public struct BridgeControlsRequest: Sendable, Hashable, Codable {
    public var controls: BridgeControls
    public init(controls: BridgeControls) { self.controls = controls }
}

/// What `net-bridge-info` shows: what is stored, what the kernel has, and whether the STP values
/// act (only while the kernel runs STP).
public struct BridgeControlsInfo: Sendable, Hashable, Codable {
    public var network: String
    public var bridge: String
    public var stored: BridgeControls
    /// Read back from the bridge (`ip -d link show`); nil when the network is not running.
    public var kernel: BridgeControls?
    /// Whether the kernel runs STP on the bridge now (false under the loop guard).
    public var kernelSTP: Bool?
    /// The forward delay the kernel has, in seconds (from `<bridge delay>`).
    public var forwardDelaySeconds: Int?
    /// Set when the STP values are stored and applied but do not act (the loop guard runs).
    public var note: String?

    public init(network: String, bridge: String, stored: BridgeControls, kernel: BridgeControls? = nil,
                kernelSTP: Bool? = nil, forwardDelaySeconds: Int? = nil, note: String? = nil) {
        self.network = network
        self.bridge = bridge
        self.stored = stored
        self.kernel = kernel
        self.kernelSTP = kernelSTP
        self.forwardDelaySeconds = forwardDelaySeconds
        self.note = note
    }
}

/// `PUT /v1/networks/{name}/ports/{port}/bridge` (`net-port-set`).
public struct PortBridgeControlsRequest: Sendable, Hashable, Codable {
    public var controls: PortBridgeControls
    public init(controls: PortBridgeControls) { self.controls = controls }
}

/// `POST`/`DELETE /v1/networks/{name}/fdb` (`net-fdb-add`, `net-fdb-delete`): a static entry
/// on a port of the network, named by UUID or device.
public struct FDBEntryRequest: Sendable, Hashable, Codable {
    public var mac: MACAddress
    public var port: String
    public var vlan: Int?
    public init(mac: MACAddress, port: String, vlan: Int? = nil) {
        self.mac = mac
        self.port = port
        self.vlan = vlan
    }
}
