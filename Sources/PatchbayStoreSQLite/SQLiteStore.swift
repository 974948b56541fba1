import Foundation
import GRDB
import LibvirtXML
import PatchbayModel
import PatchbayStore
import Synchronization

/// The daemon's store: one SQLite file in the state directory. It runs in WAL mode through a
/// `DatabasePool`, so readers never wait for the writer (a DHCP group commit's fsync does not
/// hold up `net-list`), and every call runs on GRDB's own dispatch queues, never on a thread of
/// the Swift concurrency pool.
public final class SQLiteStore: PatchbayStore {
    let database: any DatabaseWriter
    /// Definitions are stored as XML; parsing the same text again is skipped (bounded), since
    /// every operation reads every network's record.
    private let parsed = Mutex<[String: NetworkDefinition]>([:])
    private static let parseCacheLimit = 4096
    private let checkpointer: SQLiteCheckpointer?

    deinit { checkpointer?.stop() }

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public init(path: String) throws(PatchbayError) {
        do {
            var configuration = Configuration()
            configuration.label = "patchbay"
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                // synchronous=FULL: the log is fsynced at every commit, so a committed
                // definition or lease survives a host crash too, not only a killed daemon.
                // The DHCP server commits leases in groups, so this costs one fsync per batch.
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // Checkpoints run on a thread of their own (SQLiteCheckpointer).
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(SQLiteCheckpointer.backstopPages)")
            }
            let pool = try DatabasePool(path: path, configuration: configuration)
            database = pool
            try Self.migrator.migrate(pool)
            let checkpointer = try SQLiteCheckpointer(path: path)
            checkpointer.start()
            self.checkpointer = checkpointer
        } catch {
            throw PatchbayError(.storage, "cannot open the state database at \(path)", cause: "\(error)")
        }
    }

    /// A private in-memory SQLite database: the real schema and SQL, nothing on disk.
    public init() throws(PatchbayError) {
        do {
            let queue = try DatabaseQueue()
            database = queue
            checkpointer = nil
            try Self.migrator.migrate(queue)
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
        migrator.registerMigration("v5: revisions, intents, port keys") { db in
            try db.alter(table: "network") { t in
                t.add(column: "revision", .integer).notNull().defaults(to: 1)
                t.add(column: "intent", .text)
                t.add(column: "legacyUntagged", .boolean).notNull().defaults(to: false)
            }
            // Bridges of networks running now were created before devices were tagged.
            try db.execute(sql: "UPDATE network SET legacyUntagged = 1 WHERE liveXML IS NOT NULL")
            try db.alter(table: "port") { t in
                t.add(column: "mac", .text)
                t.add(column: "device", .text)
            }
            try db.execute(sql: "UPDATE port SET mac = json_extract(json, '$.mac'), device = json_extract(json, '$.device')")
            // Not unique indexes: rows of older versions may clash (a stale record beside a new
            // port on a reused name); inserts check for clashes inside their transaction.
            try db.create(index: "port_by_mac", on: "port", columns: ["mac"])
            try db.create(index: "port_by_device", on: "port", columns: ["device"])
            try db.alter(table: "lease") { t in t.add(column: "origin", .text) }
        }
        migrator.registerMigration("v6: ports that may vanish") { db in
            // The port sweep reads only adopted TAPs and veth pairs, every second: a column and
            // an index keep it from reading (and decoding) every TAP Patchbay keeps.
            try db.alter(table: "port") { t in t.add(column: "mayVanish", .boolean).notNull().defaults(to: false) }
            try db.execute(sql: """
                UPDATE port SET mayVanish = IFNULL(json_extract(json, '$.adopted') = 1 OR json_extract(json, '$.type') = 'veth', 0)
                """)
            try db.create(index: "port_by_may_vanish", on: "port", columns: ["mayVanish"])
        }
        migrator.registerMigration("v7: bridge controls") { db in
            // `BridgeControls` as JSON, NULL when none were set (issue 13).
            try db.alter(table: "network") { t in t.add(column: "bridgeControls", .text) }
        }
        migrator.registerMigration("v8: network filters") { db in
            // Filters and bindings as their XML (issue 15); the store knows nothing of the language.
            try db.create(table: "nwfilter") { t in
                t.column("name", .text).primaryKey()
                t.column("uuid", .text).notNull()
                t.column("xml", .text).notNull()
            }
            try db.create(table: "nwfilter_binding") { t in
                t.column("device", .text).primaryKey()
                t.column("xml", .text).notNull()
                t.column("markID", .integer).notNull()
                t.column("port", .text)
            }
        }
        migrator.registerMigration("v9: network ACLs") { db in
            // An ACL as JSON, rules and attachments together (issue 15): one row, one change.
            try db.create(table: "acl") { t in
                t.column("name", .text).primaryKey()
                t.column("json", .text).notNull()
            }
        }
        migrator.registerMigration("v10: addresses learnt from traffic") { db in
            // CTRL_IP_LEARNING=any: the address a filtered guest was seen using (issue 15).
            try db.alter(table: "nwfilter_binding") { t in t.add(column: "learnedIPv4", .text) }
        }
        migrator.registerMigration("v11: recent events") { db in
            // The event stream's recent past (issue 16), bounded by the daemon: an id and the
            // event as JSON, so a restart goes on with the ids and resuming clients miss nothing.
            try db.create(table: "event") { t in
                t.column("id", .integer).primaryKey()
                t.column("json", .text).notNull()
            }
        }
        return migrator
    }

    // MARK: Networks

    public func networks() async throws(PatchbayError) -> [NetworkRecord] {
        let rows = try await read("list networks") { db in try NetworkRow.order(Column("name")).fetchAll(db) }
        return try rows.map { row throws(PatchbayError) in try record(row) }
    }

    public func network(named name: String) async throws(PatchbayError) -> NetworkRecord? {
        try await read("read network '\(name)'") { db in try NetworkRow.fetchOne(db, key: name) }.map { row throws(PatchbayError) in try record(row) }
    }

    @discardableResult
    public func insert(_ record: NetworkRecord) async throws(PatchbayError) -> NetworkRecord {
        var copy = record
        copy.revision = 1
        let stored = copy
        let row = NetworkRow(stored)
        try await write("define network '\(record.name)'") { db in
            if try NetworkRow.exists(db, key: row.name) {
                throw PatchbayError(.alreadyExists, "network '\(row.name)' already exists")
            }
            try self.checkUnique(stored, in: db)
            try row.insert(db)
        }
        return stored
    }

    @discardableResult
    public func update(_ record: NetworkRecord) async throws(PatchbayError) -> NetworkRecord {
        var copy = record
        copy.revision = record.revision + 1
        let stored = copy
        let row = NetworkRow(stored)
        let expected = record.revision
        try await write("update network '\(record.name)'") { db in
            guard let current = try Int.fetchOne(db, sql: "SELECT revision FROM network WHERE name = ?", arguments: [row.name]) else {
                throw PatchbayError(.notFound, "network '\(row.name)' not found")
            }
            guard current == expected else { throw Self.revisionConflict(row.name, expected: expected, found: current) }
            try self.checkUnique(stored, in: db)
            try row.update(db)
        }
        return stored
    }

    public func delete(named name: String) async throws(PatchbayError) {
        try await write("undefine network '\(name)'") { db in
            guard try NetworkRow.deleteOne(db, key: name) else {
                throw PatchbayError(.notFound, "network '\(name)' not found")
            }
            try db.execute(sql: "DELETE FROM lease WHERE network = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM port_forward WHERE network = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM port WHERE network = ?", arguments: [name])
        }
    }

    /// UUID and bridge uniqueness (the same rules as the in-memory store), read inside the write
    /// transaction, so two defines cannot both take a name.
    private func checkUnique(_ record: NetworkRecord, in db: Database) throws {
        let others = try NetworkRow.filter(Column("name") != record.name).fetchAll(db).map { try self.record($0) }
        if let conflict = Self.conflict(for: record, among: others) { throw conflict }
    }

    /// Stored definitions were validated when defined; reading them back only parses, so that a
    /// rule tightened in a later version cannot make a stored network vanish.
    private func record(_ row: NetworkRow) throws(PatchbayError) -> NetworkRecord {
        let definition = try parse(row.xml, of: row.name)
        let live = try row.liveXML.map { xml throws(PatchbayError) in try parse(xml, of: row.name) }
        var intent: NetworkIntent?
        if let json = row.intent {
            do { intent = try JSONDecoder().decode(NetworkIntent.self, from: Data(json.utf8)) } catch {
                throw PatchbayError(.storage, "the stored operation of network '\(row.name)' cannot be read", cause: "\(error)")
            }
        }
        var controls: BridgeControls?
        if let json = row.bridgeControls {
            do { controls = try JSONDecoder().decode(BridgeControls.self, from: Data(json.utf8)) } catch {
                throw PatchbayError(.storage, "the stored bridge controls of network '\(row.name)' cannot be read", cause: "\(error)")
            }
        }
        return NetworkRecord(definition: definition, live: live, autostart: row.autostart, persistent: row.persistent,
                             intent: intent, revision: row.revision, legacyUntagged: row.legacyUntagged, bridgeControls: controls)
    }

    private func parse(_ xml: String, of network: String) throws(PatchbayError) -> NetworkDefinition {
        if let cached = parsed.withLock({ $0[xml] }) { return cached }
        do {
            let definition = try NetworkXMLParser.parse(xml).definition
            parsed.withLock { cache in
                if cache.count >= Self.parseCacheLimit { cache.removeAll(keepingCapacity: true) }
                cache[xml] = definition
            }
            return definition
        } catch {
            throw PatchbayError(.storage, "the stored definition of network '\(network)' cannot be read", cause: "\(error)")
        }
    }

    // MARK: Plumbing

    func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(PatchbayError) -> T {
        do { return try await database.read(body) } catch { throw Self.wrap(error, what) }
    }

    func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(PatchbayError) -> T {
        do { return try await database.write(body) } catch { throw Self.wrap(error, what) }
    }

    static func wrap(_ error: any Error, _ what: String) -> PatchbayError {
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
    var revision: Int
    /// The operation in progress (`NetworkIntent` as JSON), NULL when none.
    var intent: String?
    var legacyUntagged: Bool
    /// `BridgeControls` as JSON (issue 13), NULL when none were set.
    var bridgeControls: String?

    init(_ record: NetworkRecord) {
        bridgeControls = record.bridgeControls.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        name = record.name
        uuid = record.definition.uuid.description
        bridge = record.definition.bridge.name
        forwardMode = record.definition.forward.mode.rawValue
        xml = NetworkXML.format(record.definition, inactive: true)
        liveXML = record.live.map { NetworkXML.format($0) }
        autostart = record.autostart
        persistent = record.persistent
        updatedAt = Date()
        revision = record.revision
        intent = record.intent.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        legacyUntagged = record.legacyUntagged
    }
}
