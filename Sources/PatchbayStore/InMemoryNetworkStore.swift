import PatchbayModel
import Synchronization

/// A store that forgets everything when the process ends: for unit tests of the engine.
public final class InMemoryNetworkStore: NetworkStore {
    private let records = Mutex<[String: NetworkRecord]>([:])

    public init() {}

    public func networks() -> [NetworkRecord] {
        records.withLock { $0.values.sorted { $0.name < $1.name } }
    }

    public func network(named name: String) -> NetworkRecord? {
        records.withLock { $0[name] }
    }

    public func insert(_ record: NetworkRecord) throws(PatchbayError) {
        try records.withLock { (all: inout [String: NetworkRecord]) throws(PatchbayError) in
            if all[record.name] != nil {
                throw PatchbayError(.alreadyExists, "network '\(record.name)' already exists")
            }
            if let conflict = conflict(for: record, among: Array(all.values)) { throw conflict }
            all[record.name] = record
        }
    }

    public func update(_ record: NetworkRecord) throws(PatchbayError) {
        try records.withLock { (all: inout [String: NetworkRecord]) throws(PatchbayError) in
            guard all[record.name] != nil else { throw PatchbayError(.notFound, "network '\(record.name)' not found") }
            if let conflict = conflict(for: record, among: Array(all.values)) { throw conflict }
            all[record.name] = record
        }
    }

    public func delete(named name: String) throws(PatchbayError) {
        try records.withLock { (all: inout [String: NetworkRecord]) throws(PatchbayError) in
            guard all.removeValue(forKey: name) != nil else { throw PatchbayError(.notFound, "network '\(name)' not found") }
        }
    }
}
