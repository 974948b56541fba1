/// One row of `nwfilter-list`.
public struct NWFilterSummary: Sendable, Hashable, Codable {
    public enum Origin: String, Sendable, Hashable, Codable {
        /// Defined with `nwfilter-define`.
        case defined
        /// Read from /etc/libvirt/nwfilter at start.
        case system
        /// Shipped with Patchbay.
        case builtin
    }

    public var name: String
    public var uuid: NetworkUUID
    public var origin: Origin
    /// The ports whose filter tree uses it.
    public var bindings: Int

    public init(name: String, uuid: NetworkUUID, origin: Origin, bindings: Int) {
        self.name = name
        self.uuid = uuid
        self.origin = origin
        self.bindings = bindings
    }
}

/// One row of `nwfilter-binding-list`.
public struct NWFilterBindingSummary: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case active
        /// Waiting for the guest's DHCP lease: only DHCP passes.
        case learning
        /// Its filter cannot be instantiated: everything is dropped.
        case blocked
    }

    public var portDevice: String
    public var filter: String
    public var owner: String
    public var mac: MACAddress
    public var state: State
    public var rules: Int
    public var reason: String?

    public init(portDevice: String, filter: String, owner: String, mac: MACAddress, state: State, rules: Int, reason: String? = nil) {
        self.portDevice = portDevice
        self.filter = filter
        self.owner = owner
        self.mac = mac
        self.state = state
        self.rules = rules
        self.reason = reason
    }
}

/// `nwfilter-binding-create`'s and `nwfilter-define`'s request body: the XML.
public struct NWFilterXMLRequest: Sendable, Hashable, Codable {
    public var xml: String
    public init(xml: String) { self.xml = xml }
}

/// One rule's hit counter (`nwfilter-binding-stats`).
public struct NWFilterRuleStatistics: Sendable, Hashable, Codable {
    public var chain: String
    public var rule: String
    public var packets: UInt64
    public var bytes: UInt64

    public init(chain: String, rule: String, packets: UInt64, bytes: UInt64) {
        self.chain = chain
        self.rule = rule
        self.packets = packets
        self.bytes = bytes
    }
}
