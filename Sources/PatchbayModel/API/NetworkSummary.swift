/// What `net-list` and `net-info` show for a network; the JSON body of most network routes.
public struct NetworkSummary: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: String
    public var active: Bool
    public var persistent: Bool
    public var autostart: Bool
    public var bridge: String?
    /// Open vSwitch networks, in `net-info` only: the bridge's datapath and whose it is.
    public var openvswitch: OVSBridgeInfo?

    public init(name: String, uuid: String, active: Bool, persistent: Bool, autostart: Bool, bridge: String?) {
        self.name = name
        self.uuid = uuid
        self.active = active
        self.persistent = persistent
        self.autostart = autostart
        self.bridge = bridge
    }
}
