/// A network as the store keeps it: the persistent definition, the definition it is running
/// with (which may differ after a redefine, until the next start), and the flags that are not
/// part of the XML.
public struct NetworkRecord: Sendable, Hashable, Codable {
    /// The configuration used at the next start (libvirt's "inactive" definition).
    public var definition: NetworkDefinition
    /// The configuration the network was started with; nil when it is not running.
    public var live: NetworkDefinition?
    public var autostart: Bool
    /// False for a network that was undefined while running: it lives until it is destroyed,
    /// as libvirt's transient networks do.
    public var persistent: Bool

    public init(definition: NetworkDefinition, live: NetworkDefinition? = nil, autostart: Bool = false, persistent: Bool = true) {
        self.definition = definition
        self.live = live
        self.autostart = autostart
        self.persistent = persistent
    }

    public var name: String { definition.name }
    public var active: Bool { live != nil }

    /// What is in effect now: the live definition while running, else the persistent one.
    public var current: NetworkDefinition { live ?? definition }

    public var summary: NetworkSummary {
        NetworkSummary(name: name, uuid: current.uuid.description, active: active,
                       persistent: persistent, autostart: autostart, bridge: current.bridge.name)
    }
}
