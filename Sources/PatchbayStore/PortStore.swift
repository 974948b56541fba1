import Foundation
import GRDB
import PatchbayModel
import Synchronization

/// Where network ports live.
public protocol PortStore: Sendable {
    func ports() throws(PatchbayError) -> [NetworkPort]
    func insert(_ port: NetworkPort) throws(PatchbayError)
    func delete(port uuid: NetworkUUID) throws(PatchbayError)
}

extension PortStore {
    public func ports(network: String) throws(PatchbayError) -> [NetworkPort] {
        try ports().filter { $0.network == network }
    }
}

/// Ports in memory, for engine tests.
public final class InMemoryPortStore: PortStore {
    private let state = Mutex<[NetworkPort]>([])
    public init() {}
    public func ports() -> [NetworkPort] { state.withLock { $0 } }
    public func insert(_ port: NetworkPort) { state.withLock { $0.append(port) } }
    public func delete(port uuid: NetworkUUID) { state.withLock { $0.removeAll { $0.uuid == uuid } } }
}

/// A port row keeps the port as JSON: the record is small, read whole, and grows fields (the
/// bandwidth, VLAN and isolation of later issues) without migrations.
struct PortRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "port"
    var uuid: String
    var network: String
    var json: String
}

extension SQLiteNetworkStore: PortStore {
    public func ports() throws(PatchbayError) -> [NetworkPort] {
        do {
            let rows = try database.read { db in try PortRow.order(Column("network"), Column("uuid")).fetchAll(db) }
            return rows.compactMap { try? JSONDecoder().decode(NetworkPort.self, from: Data($0.json.utf8)) }
        } catch {
            throw PatchbayError(.storage, "cannot read network ports", cause: "\(error)")
        }
    }

    public func insert(_ port: NetworkPort) throws(PatchbayError) {
        do {
            let json = String(decoding: try JSONEncoder().encode(port), as: UTF8.self)
            try database.write { db in try PortRow(uuid: port.uuid.description, network: port.network, json: json).insert(db) }
        } catch {
            throw PatchbayError(.storage, "cannot store port \(port.uuid)", cause: "\(error)")
        }
    }

    public func delete(port uuid: NetworkUUID) throws(PatchbayError) {
        do {
            _ = try database.write { db in try PortRow.deleteOne(db, key: uuid.description) }
        } catch {
            throw PatchbayError(.storage, "cannot delete port \(uuid)", cause: "\(error)")
        }
    }
}
