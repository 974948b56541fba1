import Foundation
import GRDB
import PatchbayModel
import PatchbayStore

struct ACLRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "acl"
    var name: String
    var json: String

    init(_ acl: NetworkACL) throws(PatchbayError) {
        name = acl.name
        do { json = String(decoding: try JSONEncoder().encode(acl), as: UTF8.self) } catch {
            throw PatchbayError(.internal, "cannot encode ACL '\(acl.name)'", cause: "\(error)")
        }
    }

    func acl() throws(PatchbayError) -> NetworkACL {
        do { return try JSONDecoder().decode(NetworkACL.self, from: Data(json.utf8)) } catch {
            throw PatchbayError(.storage, "the stored ACL '\(name)' cannot be read", cause: "\(error)")
        }
    }
}

extension SQLiteStore {
    public func acls() async throws(PatchbayError) -> [NetworkACL] {
        let rows = try await read("read ACLs") { db in try ACLRow.order(Column("name")).fetchAll(db) }
        return try rows.map { row throws(PatchbayError) in try row.acl() }
    }

    public func acl(named name: String) async throws(PatchbayError) -> NetworkACL? {
        try await read("read ACL '\(name)'") { db in try ACLRow.fetchOne(db, key: name) }.map { row throws(PatchbayError) in try row.acl() }
    }

    public func save(_ acl: NetworkACL) async throws(PatchbayError) {
        let row = try ACLRow(acl)
        try await write("store ACL '\(acl.name)'") { db in try row.save(db) }
    }

    public func deleteACL(named name: String) async throws(PatchbayError) {
        _ = try await write("delete ACL '\(name)'") { db in try ACLRow.deleteOne(db, key: name) }
    }
}
