/// A network as the store keeps it: the persistent definition, the definition it is running
/// with (which may differ after a redefine, until the next start), the flags that are not part of
/// the XML, and the operation it is in the middle of, if any.
public struct NetworkRecord: Sendable, Hashable, Codable {
    /// The configuration used at the next start (libvirt's "inactive" definition).
    public var definition: NetworkDefinition
    /// The configuration the network was started with; nil when it is not running.
    public var live: NetworkDefinition?
    public var autostart: Bool
    /// False for a network that was undefined while running: it lives until it is destroyed,
    /// as libvirt's transient networks do.
    public var persistent: Bool
    /// The operation in progress (written before its first kernel step), nil when none is.
    public var intent: NetworkIntent?
    /// Bumped by the store at every write; an update whose revision is no longer the stored one
    /// is refused, so a writer that read before someone else wrote cannot overwrite them.
    public var revision: Int
    /// The network was started by a version of Patchbay that did not tag its bridge: the next
    /// reconciliation adopts an untagged bridge of the right name once, and tags it.
    public var legacyUntagged: Bool
    /// The bridge settings libvirt's XML has no place for (`net-bridge-set`), applied at every
    /// start and reconciliation; nil when none were set.
    public var bridgeControls: BridgeControls?

    public init(definition: NetworkDefinition, live: NetworkDefinition? = nil, autostart: Bool = false, persistent: Bool = true,
                intent: NetworkIntent? = nil, revision: Int = 0, legacyUntagged: Bool = false, bridgeControls: BridgeControls? = nil) {
        self.bridgeControls = bridgeControls
        self.definition = definition
        self.live = live
        self.autostart = autostart
        self.persistent = persistent
        self.intent = intent
        self.revision = revision
        self.legacyUntagged = legacyUntagged
    }

    public var name: String { definition.name }
    public var active: Bool { live != nil }

    /// What is in effect now: the live definition while running, else the persistent one.
    public var current: NetworkDefinition { live ?? definition }

    /// What the firewall and the services must provide for this network now: the live definition,
    /// or the one being started; nothing while it is being stopped.
    public var running: NetworkDefinition? {
        switch intent?.phase {
        case .starting?: intent?.target
        case .stopping?: nil
        default: live
        }
    }

    public var summary: NetworkSummary {
        NetworkSummary(name: name, uuid: current.uuid.description, active: active,
                       persistent: persistent, autostart: autostart, bridge: current.bridge.name)
    }
}
