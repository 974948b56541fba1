import Foundation
import GRDB
import LibvirtXML
import PatchbayModel

/// The daemon's store: one SQLite file in the state directory, in WAL mode, so that a crash
/// (even `kill -9`) loses no committed definition and readers never block the writer.
public final class SQLiteNetworkStore: NetworkStore {
    let database: DatabaseQueue

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public init(path: String) throws(PatchbayError) {
        do {
            var configuration = Configuration()
            configuration.label = "patchbay"
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                // WAL: a commit is one append to the log and readers do not block the writer.
                // synchronous=FULL: the log is fsynced at every commit, so a committed
                // definition or lease survives a host crash too, not only a killed daemon.
                // The DHCP server commits leases in groups, so this costs one fsync per batch.
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            database = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw PatchbayError(.storage, "cannot open the state database at \(path)", cause: "\(error)")
        }
    }

    /// A private in-memory SQLite database: the real schema and SQL, nothing on disk.
    public init() throws(PatchbayError) {
        do {
            database = try DatabaseQueue()
            try Self.migrator.migrate(database)
        } catch {
            throw PatchbayError(.storage, "cannot create an in-memory database", cause: "\(error)")
        }
    }

    /// The schema's history. A migration, once released, is never edited: the next change is a
    /// new migration, so every state directory can be brought forward.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: networks") { db in
            try db.create(table: "network") { t in
                t.primaryKey("name", .text).notNull()
                t.column("uuid", .text).notNull().unique()
                t.column("bridge", .text).unique()
                t.column("forwardMode", .text).notNull()
                t.column("xml", .text).notNull()
                t.column("liveXML", .text)
                t.column("autostart", .boolean).notNull().defaults(to: false)
                t.column("persistent", .boolean).notNull().defaults(to: true)
                t.column("updatedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("v2: leases") { db in
            try db.create(table: "lease") { t in
                t.column("network", .text).notNull()
                t.column("ip", .text).notNull()
                t.column("mac", .text).notNull()
                t.column("clientID", .blob)
                t.column("hostname", .text)
                t.column("expiresAt", .integer)
                t.primaryKey(["network", "ip"])
            }
            try db.create(index: "lease_by_mac", on: "lease", columns: ["network", "mac"])
        }
        migrator.registerMigration("v3: port forwards") { db in
            try db.create(table: "port_forward") { t in
                t.column("network", .text).notNull()
                t.column("transport", .text).notNull()
                t.column("hostPortStart", .integer).notNull()
                t.column("hostPortEnd", .integer).notNull()
                t.column("guestAddress", .text).notNull()
                t.column("guestPort", .integer)
                t.primaryKey(["transport", "hostPortStart"])
            }
        }
        migrator.registerMigration("v4: ports") { db in
            try db.create(table: "port") { t in
                t.column("uuid", .text).primaryKey()
                t.column("network", .text).notNull()
                t.column("json", .text).notNull()
            }
            try db.create(index: "port_by_network", on: "port", columns: ["network"])
        }
        return migrator
    }

    public func networks() throws(PatchbayError) -> [NetworkRecord] {
        try read("list networks") { db in
            try NetworkRow.order(Column("name")).fetchAll(db).map { try $0.record() }
        }
    }

    public func network(named name: String) throws(PatchbayError) -> NetworkRecord? {
        try read("read network '\(name)'") { db in try NetworkRow.fetchOne(db, key: name)?.record() }
    }

    public func insert(_ record: NetworkRecord) throws(PatchbayError) {
        try write("define network '\(record.name)'") { db in
            if try NetworkRow.exists(db, key: record.name) {
                throw PatchbayError(.alreadyExists, "network '\(record.name)' already exists")
            }
            if let conflict = self.conflict(for: record, among: try NetworkRow.fetchAll(db).map { try $0.record() }) {
                throw conflict
            }
            try NetworkRow(record).insert(db)
        }
    }

    public func update(_ record: NetworkRecord) throws(PatchbayError) {
        try write("update network '\(record.name)'") { db in
            guard try NetworkRow.exists(db, key: record.name) else {
                throw PatchbayError(.notFound, "network '\(record.name)' not found")
            }
            if let conflict = self.conflict(for: record, among: try NetworkRow.fetchAll(db).map { try $0.record() }) {
                throw conflict
            }
            try NetworkRow(record).update(db)
        }
    }

    public func delete(named name: String) throws(PatchbayError) {
        try write("undefine network '\(name)'") { db in
            guard try NetworkRow.deleteOne(db, key: name) else {
                throw PatchbayError(.notFound, "network '\(name)' not found")
            }
        }
    }

    private func read<T>(_ what: String, _ body: (Database) throws -> T) throws(PatchbayError) -> T {
        do { return try database.read(body) } catch { throw Self.wrap(error, what) }
    }

    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws(PatchbayError) -> T {
        do { return try database.write(body) } catch { throw Self.wrap(error, what) }
    }

    private static func wrap(_ error: any Error, _ what: String) -> PatchbayError {
        if let error = error as? PatchbayError { return error }
        return PatchbayError(.storage, "cannot \(what) in the state database", cause: "\(error)")
    }
}

/// One row of the `network` table. A definition is stored as libvirt XML, as libvirt keeps its
/// network files, so the database reads well with the sqlite3 tool and a change to the model
/// needs no migration; uuid, bridge and forward mode are columns for uniqueness and queries.
struct NetworkRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "network"

    var name: String
    var uuid: String
    var bridge: String?
    var forwardMode: String
    /// The persistent definition, formatted as `net-dumpxml --inactive` prints it.
    var xml: String
    /// The running definition (live XML), or NULL when the network is inactive.
    var liveXML: String?
    var autostart: Bool
    var persistent: Bool
    var updatedAt: Date

    init(_ record: NetworkRecord) {
        name = record.name
        uuid = record.definition.uuid.description
        bridge = record.definition.bridge.name
        forwardMode = record.definition.forward.mode.rawValue
        xml = NetworkXML.format(record.definition, inactive: true)
        liveXML = record.live.map { NetworkXML.format($0) }
        autostart = record.autostart
        persistent = record.persistent
        updatedAt = Date()
    }

    /// Stored definitions were validated when defined; reading them back only parses, so that a
    /// rule tightened in a later version cannot make a stored network vanish.
    func record() throws -> NetworkRecord {
        let definition = try NetworkXMLParser.parse(xml).definition
        let live = try liveXML.map { try NetworkXMLParser.parse($0).definition }
        return NetworkRecord(definition: definition, live: live, autostart: autostart, persistent: persistent)
    }
}
