import PatchbayModel

/// Where network definitions and their flags live. The engine is written against this protocol
/// so that unit tests run it on `InMemoryNetworkStore` and the daemon on `SQLiteNetworkStore`.
///
/// Calls are synchronous: each is one short transaction, made from the engine actor.
public protocol NetworkStore: Sendable {
    func networks() throws(PatchbayError) -> [NetworkRecord]
    func network(named name: String) throws(PatchbayError) -> NetworkRecord?
    /// Fails with `.alreadyExists` when the name, the UUID or the bridge is taken.
    func insert(_ record: NetworkRecord) throws(PatchbayError)
    /// Replaces the record with the same name; `.notFound` when there is none.
    func update(_ record: NetworkRecord) throws(PatchbayError)
    func delete(named name: String) throws(PatchbayError)
}

extension NetworkStore {
    /// The checks both implementations share, so their errors read the same.
    func conflict(for record: NetworkRecord, among existing: [NetworkRecord]) -> PatchbayError? {
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
}
