/// One thing that happened on the host, as `patchbay event`, `monitor` and `/v1/events` show it.
/// `id` is the resume cursor: ids only grow, across restarts too (the recent ones are stored), so
/// a client that reconnects with the last id it saw misses nothing the daemon still holds.
public struct PatchbayEvent: Sendable, Hashable, Codable {
    public var id: UInt64
    /// Milliseconds since 1970.
    public var time: Int64
    public var type: EventType
    public var severity: EventSeverity
    public var network: String?
    /// The port's UUID, for port, lease and FDB events that Patchbay can tie to a port.
    public var port: String?
    public var device: String?
    public var owner: String?
    public var mac: String?
    public var ip: String?
    /// One line for a person: what happened, with the names Patchbay knows.
    public var message: String

    public init(id: UInt64 = 0, time: Int64 = 0, type: EventType, severity: EventSeverity? = nil, network: String? = nil,
                port: String? = nil, device: String? = nil, owner: String? = nil, mac: String? = nil, ip: String? = nil,
                message: String) {
        self.id = id
        self.time = time
        self.type = type
        self.severity = severity ?? type.defaultSeverity
        self.network = network
        self.port = port
        self.device = device
        self.owner = owner
        self.mac = mac
        self.ip = ip
        self.message = message
    }
}

public enum EventSeverity: String, Sendable, Hashable, Codable, CaseIterable {
    case info, warning
}

/// The kinds of event, named `category-what` so `--type lease` can pick a whole family.
public enum EventType: String, Sendable, Hashable, Codable, CaseIterable {
    case networkDefined = "network-defined"
    case networkUndefined = "network-undefined"
    case networkStarted = "network-started"
    case networkStopped = "network-stopped"
    case networkUpdated = "network-updated"
    case portCreated = "port-created"
    case portDeleted = "port-deleted"
    case portCarrierUp = "port-carrier-up"
    case portCarrierDown = "port-carrier-down"
    /// A Patchbay bridge or port changed otherwise (up/down flag, MTU, master): `ip monitor link`.
    case linkChanged = "link-changed"
    case leaseGranted = "lease-granted"
    case leaseRenewed = "lease-renewed"
    case leaseReleased = "lease-released"
    case leaseDeclined = "lease-declined"
    case leaseExpired = "lease-expired"
    case fdbLearned = "fdb-learned"
    /// A MAC seen on one port is now seen on another: a guest migrated, or two guests share a
    /// MAC, or a loop. A warning.
    case fdbMoved = "fdb-moved"
    case fdbAged = "fdb-aged"
    case loopCut = "loop-cut"
    case loopRestored = "loop-restored"
    case firewallRepaired = "firewall-repaired"

    /// The part before the first dash: network, port, link, lease, fdb, loop, firewall.
    public var category: String { String(rawValue.prefix { $0 != "-" }) }

    public var defaultSeverity: EventSeverity {
        switch self {
        case .fdbMoved, .loopCut, .firewallRepaired, .portCarrierDown, .leaseDeclined: return .warning
        default: return .info
        }
    }

    /// The types a `--type` word names: a whole type (`lease-granted`) or a category (`lease`).
    /// Nil for a word that names neither.
    public static func matching(_ word: String) -> Set<EventType>? {
        if let type = EventType(rawValue: word) { return [type] }
        let family = Set(allCases.filter { $0.category == word })
        return family.isEmpty ? nil : family
    }

    /// virsh `net-event` prints the event's detail after the network's name.
    public var virshDetail: String {
        switch self {
        case .networkDefined: return "Defined"
        case .networkUndefined: return "Undefined"
        case .networkStarted: return "Started"
        case .networkStopped: return "Stopped"
        case .networkUpdated: return "Updated"
        default: return rawValue
        }
    }
}

/// Which events a client asked for: one network (or all), some types (or all).
public struct EventFilter: Sendable, Hashable {
    public var network: String?
    public var types: Set<EventType>?

    public init(network: String? = nil, types: Set<EventType>? = nil) {
        self.network = network
        self.types = types
    }

    /// From `--type` words (types or categories): nil words mean every type.
    public init(network: String?, typeWords: [String]) throws(PatchbayError) {
        self.network = network
        guard !typeWords.isEmpty else { types = nil; return }
        var types = Set<EventType>()
        for word in typeWords.flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let named = EventType.matching(word) else {
                let categories = Set(EventType.allCases.map(\.category)).sorted().joined(separator: ", ")
                throw PatchbayError(.invalidArgument, "unknown event type '\(word)': a type (see --list) or one of \(categories)")
            }
            types.formUnion(named)
        }
        self.types = types
    }

    public func matches(_ event: PatchbayEvent) -> Bool {
        if let network, event.network != network { return false }
        if let types, !types.contains(event.type) { return false }
        return true
    }
}
