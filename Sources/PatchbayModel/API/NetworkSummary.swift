/// What `net-list` and `net-info` show for a network; the JSON body of most network routes.
public struct NetworkSummary: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: String
    public var active: Bool
    public var persistent: Bool
    public var autostart: Bool
    public var bridge: String?

    public init(name: String, uuid: String, active: Bool, persistent: Bool, autostart: Bool, bridge: String?) {
        self.name = name
        self.uuid = uuid
        self.active = active
        self.persistent = persistent
        self.autostart = autostart
        self.bridge = bridge
    }
}
