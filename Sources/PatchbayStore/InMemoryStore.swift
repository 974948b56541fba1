import PatchbayModel
import Synchronization

/// A store that forgets everything when the process ends: for unit tests of the engine and the
/// services. It follows the SQLite store's rules (uniqueness, revisions, cascades) exactly.
public final class InMemoryStore: PatchbayStore {
    struct State {
        var networks: [String: NetworkRecord] = [:]
        var leases: [String: [IPv4Address: DHCPLease]] = [:]
        var forwards: [PortForward] = []
        var ports: [NetworkUUID: NetworkPort] = [:]
        var nwfilters: [String: NWFilterRecord] = [:]
        var nwfilterBindings: [String: NWFilterBindingRecord] = [:]
        var acls: [String: NetworkACL] = [:]
        var events: [PatchbayEvent] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func networks() -> [NetworkRecord] {
        state.withLock { $0.networks.values.sorted { $0.name < $1.name } }
    }

    public func network(named name: String) -> NetworkRecord? {
        state.withLock { $0.networks[name] }
    }

    @discardableResult
    public func insert(_ record: NetworkRecord) throws(PatchbayError) -> NetworkRecord {
        try state.withLock { (s: inout State) throws(PatchbayError) -> NetworkRecord in
            if s.networks[record.name] != nil {
                throw PatchbayError(.alreadyExists, "network '\(record.name)' already exists")
            }
            if let conflict = Self.conflict(for: record, among: Array(s.networks.values)) { throw conflict }
            var stored = record
            stored.revision = 1
            s.networks[record.name] = stored
            return stored
        }
    }

    @discardableResult
    public func update(_ record: NetworkRecord) throws(PatchbayError) -> NetworkRecord {
        try state.withLock { (s: inout State) throws(PatchbayError) -> NetworkRecord in
            guard let current = s.networks[record.name] else { throw PatchbayError(.notFound, "network '\(record.name)' not found") }
            guard current.revision == record.revision else {
                throw Self.revisionConflict(record.name, expected: record.revision, found: current.revision)
            }
            if let conflict = Self.conflict(for: record, among: Array(s.networks.values)) { throw conflict }
            var stored = record
            stored.revision = current.revision + 1
            s.networks[record.name] = stored
            return stored
        }
    }

    public func delete(named name: String) throws(PatchbayError) {
        try state.withLock { (s: inout State) throws(PatchbayError) in
            guard s.networks.removeValue(forKey: name) != nil else { throw PatchbayError(.notFound, "network '\(name)' not found") }
            s.leases[name] = nil
            s.forwards.removeAll { $0.network == name }
            s.ports = s.ports.filter { $0.value.network != name }
        }
    }

    // MARK: Leases

    public func leases(network: String) -> [DHCPLease] {
        state.withLock { ($0.leases[network] ?? [:]).values.sorted { $0.ip < $1.ip } }
    }

    public func apply(upserts: [DHCPLease], deletions: [LeaseKey]) {
        state.withLock { s in
            for deletion in deletions { s.leases[deletion.network]?[deletion.ip] = nil }
            for lease in upserts { s.leases[lease.network, default: [:]][lease.ip] = lease }
        }
    }

    // MARK: Port forwards

    public func portForwards() -> [PortForward] { state.withLock { $0.forwards } }

    public func insert(_ forward: PortForward) throws(PatchbayError) {
        try state.withLock { (s: inout State) throws(PatchbayError) in
            if let clash = s.forwards.first(where: { $0.overlaps(forward) }) { throw Self.overlapError(clash) }
            s.forwards.append(forward)
        }
    }

    public func delete(_ forward: PortForward) { state.withLock { $0.forwards.removeAll { $0 == forward } } }

    // MARK: Ports

    public func ports() -> [NetworkPort] { sortedPorts { _ in true } }

    // The engine tests' store scans its dictionary: what must not scan is the daemon's store.
    public func ports(network: String) -> [NetworkPort] { sortedPorts { $0.network == network } }

    public func port(uuid: NetworkUUID) -> NetworkPort? { state.withLock { $0.ports[uuid] } }

    public func port(withMAC mac: MACAddress) -> NetworkPort? { sortedPorts { $0.mac == mac }.first }

    public func port(withDevice device: String) -> NetworkPort? { sortedPorts { $0.device == device }.first }

    public func portsThatMayVanish() -> [NetworkPort] { sortedPorts(where: Self.mayVanish) }

    /// In the order SQLiteStore returns them, network then UUID.
    private func sortedPorts(where include: (NetworkPort) -> Bool) -> [NetworkPort] {
        state.withLock { $0.ports.values.filter(include).sorted { ($0.network, $0.uuid.description) < ($1.network, $1.uuid.description) } }
    }

    public func insert(_ port: NetworkPort) throws(PatchbayError) {
        try state.withLock { (s: inout State) throws(PatchbayError) in
            if s.ports[port.uuid] != nil { throw PatchbayError(.alreadyExists, "port \(port.uuid) already exists") }
            if let clash = Self.clash(of: port, with: Array(s.ports.values)) { throw clash }
            s.ports[port.uuid] = Self.storable(port)
        }
    }

    public func update(_ port: NetworkPort) throws(PatchbayError) {
        try state.withLock { (s: inout State) throws(PatchbayError) in
            guard s.ports[port.uuid] != nil else { throw PatchbayError(.notFound, "port \(port.uuid) not found") }
            if let clash = Self.clash(of: port, with: Array(s.ports.values)) { throw clash }
            s.ports[port.uuid] = Self.storable(port)
        }
    }

    public func delete(port uuid: NetworkUUID) { _ = state.withLock { $0.ports.removeValue(forKey: uuid) } }

    // MARK: ACLs

    public func acls() -> [NetworkACL] { state.withLock { $0.acls.values.sorted { $0.name < $1.name } } }
    public func acl(named name: String) -> NetworkACL? { state.withLock { $0.acls[name] } }
    public func save(_ acl: NetworkACL) { state.withLock { $0.acls[acl.name] = acl } }
    public func deleteACL(named name: String) { _ = state.withLock { $0.acls.removeValue(forKey: name) } }

    // MARK: Events

    public func append(events: [PatchbayEvent], keep: Int) {
        state.withLock { s in
            s.events.append(contentsOf: events)
            if s.events.count > keep { s.events.removeFirst(s.events.count - keep) }
        }
    }

    public func recentEvents(limit: Int) -> [PatchbayEvent] { state.withLock { Array($0.events.suffix(limit)) } }

    // MARK: Network filters

    public func nwfilters() -> [NWFilterRecord] { state.withLock { $0.nwfilters.values.sorted { $0.name < $1.name } } }
    public func nwfilter(named name: String) -> NWFilterRecord? { state.withLock { $0.nwfilters[name] } }
    public func save(_ filter: NWFilterRecord) { state.withLock { $0.nwfilters[filter.name] = filter } }
    public func deleteNWFilter(named name: String) { _ = state.withLock { $0.nwfilters.removeValue(forKey: name) } }

    public func nwfilterBindings() -> [NWFilterBindingRecord] {
        state.withLock { $0.nwfilterBindings.values.sorted { $0.device < $1.device } }
    }
    public func nwfilterBinding(device: String) -> NWFilterBindingRecord? { state.withLock { $0.nwfilterBindings[device] } }
    public func save(_ binding: NWFilterBindingRecord) { state.withLock { $0.nwfilterBindings[binding.device] = binding } }
    public func deleteNWFilterBinding(device: String) { _ = state.withLock { $0.nwfilterBindings.removeValue(forKey: device) } }
}
