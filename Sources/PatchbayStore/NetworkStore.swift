import PatchbayModel

/// Where network definitions and their flags live. The engine is written against this protocol
/// so that unit tests run it on `InMemoryStore` and the daemon on `SQLiteStore`.
///
/// Calls are async: the SQLite store runs them on its own threads, never on the concurrency
/// pool, and every write is one transaction.
public protocol NetworkStore: Sendable {
    func networks() async throws(PatchbayError) -> [NetworkRecord]
    func network(named name: String) async throws(PatchbayError) -> NetworkRecord?
    /// Fails with `.alreadyExists` when the name, the UUID or the bridge is taken. Returns the
    /// record as stored (with its first revision).
    @discardableResult
    func insert(_ record: NetworkRecord) async throws(PatchbayError) -> NetworkRecord
    /// Replaces the record with the same name if its revision is still `record.revision`
    /// (`.conflict` otherwise: someone wrote in between); `.notFound` when there is none.
    /// Returns the record as stored, with its new revision.
    @discardableResult
    func update(_ record: NetworkRecord) async throws(PatchbayError) -> NetworkRecord
    /// Removes the network and everything stored for it (its leases, port forwards and ports), in
    /// one transaction, so a later network of the same name inherits nothing.
    func delete(named name: String) async throws(PatchbayError)
}

/// Everything the daemon stores, in one place, so that operations spanning tables (undefine's
/// cascade) are one transaction.
public protocol PatchbayStore: NetworkStore, LeaseStore, PortForwardStore, PortStore, NWFilterStore, ACLStore, EventStore {}

extension NetworkStore {
    /// The checks both implementations share, so their errors read the same.
    public static func conflict(for record: NetworkRecord, among existing: [NetworkRecord]) -> PatchbayError? {
        for other in existing where other.name != record.name {
            if other.definition.uuid == record.definition.uuid {
                return PatchbayError(.alreadyExists, "network '\(other.name)' already has UUID \(record.definition.uuid)")
            }
            let othersBridges = [other.definition.bridge.name, other.live?.bridge.name]
            if let bridge = record.definition.bridge.name, othersBridges.contains(bridge) {
                return PatchbayError(.alreadyExists, "bridge name '\(bridge)' is already used by network '\(other.name)'")
            }
        }
        return nil
    }

    public static func revisionConflict(_ name: String, expected: Int, found: Int) -> PatchbayError {
        PatchbayError(.conflict, "network '\(name)' was changed by another request while this one ran (revision \(found), not \(expected)); try again")
    }
}
