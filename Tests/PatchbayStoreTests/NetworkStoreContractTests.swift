import Foundation
import GRDB
import PatchbayModel
import PatchbayStore
import Testing

/// The same expectations for both stores, so the in-memory one used by engine tests cannot drift
/// from the SQLite one the daemon uses.
@Suite struct NetworkStoreContractTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqliteMemory, sqliteFile
        var testDescription: String { rawValue }

        func make() throws -> any NetworkStore {
            switch self {
            case .memory: return InMemoryNetworkStore()
            case .sqliteMemory: return try SQLiteNetworkStore()
            case .sqliteFile:
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString).sqlite").path
                return try SQLiteNetworkStore(path: path)
            }
        }
    }

    static func record(_ name: String, uuid: String = NetworkUUID.random().description, bridge: String?) -> NetworkRecord {
        var definition = NetworkDefinition(name: name, uuid: NetworkUUID(uuid)!)
        definition.bridge = BridgeDefinition(name: bridge)
        definition.mtu = 9000
        definition.mac = MACAddress("52:54:00:00:00:01")
        var ip = IPDefinition(address: IPAddress("10.0.0.1")!, prefix: 24)
        ip.dhcp.ranges = [DHCPRange(start: IPAddress("10.0.0.2")!, end: IPAddress("10.0.0.254")!, lease: LeaseTime(expiry: 2, unit: .hours))]
        definition.ips = [ip]
        definition.dns.hosts = [DNSHostRecord(ip: IPAddress("10.0.0.5")!, hostnames: ["five", "cinq"])]
        return NetworkRecord(definition: definition)
    }

    @Test(arguments: Kind.allCases) func insertReadUpdateDelete(_ kind: Kind) throws {
        let store = try kind.make()
        var a = Self.record("alpha", bridge: "virbr0")
        try store.insert(a)
        try store.insert(Self.record("beta", bridge: "virbr1"))
        #expect(try store.networks().map(\.name) == ["alpha", "beta"])
        #expect(try store.network(named: "alpha") == a)

        a.autostart = true
        a.live = a.definition
        try store.update(a)
        #expect(try store.network(named: "alpha") == a)
        #expect(try store.network(named: "alpha")?.active == true)

        try store.delete(named: "alpha")
        #expect(try store.network(named: "alpha") == nil)
        #expect(try store.networks().map(\.name) == ["beta"])
    }

    @Test(arguments: Kind.allCases) func conflictsAreRejectedAndChangeNothing(_ kind: Kind) throws {
        let store = try kind.make()
        let a = Self.record("alpha", uuid: "81ff0d90-c91e-6742-64da-4a736edb9a9b", bridge: "virbr0")
        try store.insert(a)
        let sameName = #expect(throws: PatchbayError.self) { try store.insert(Self.record("alpha", bridge: "virbr5")) }
        #expect(sameName?.code == .alreadyExists)
        let sameUUID = #expect(throws: PatchbayError.self) {
            try store.insert(Self.record("gamma", uuid: "81ff0d90-c91e-6742-64da-4a736edb9a9b", bridge: "virbr6"))
        }
        #expect(sameUUID?.code == .alreadyExists)
        let sameBridge = #expect(throws: PatchbayError.self) { try store.insert(Self.record("delta", bridge: "virbr0")) }
        #expect(sameBridge?.message == "bridge name 'virbr0' is already used by network 'alpha'")
        #expect(try store.networks() == [a])
    }

    @Test(arguments: Kind.allCases) func missingRecordsAreNotFound(_ kind: Kind) throws {
        let store = try kind.make()
        #expect((#expect(throws: PatchbayError.self) { try store.update(Self.record("x", bridge: nil)) })?.code == .notFound)
        #expect((#expect(throws: PatchbayError.self) { try store.delete(named: "x") })?.code == .notFound)
    }

    @Test func sqliteKeepsEverythingAcrossReopen() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var record = Self.record("persisted", bridge: "virbr9")
        record.live = record.definition
        record.autostart = true
        do {
            let store = try SQLiteNetworkStore(path: path)
            try store.insert(record)
        }
        let reopened = try SQLiteNetworkStore(path: path)
        #expect(try reopened.network(named: "persisted") == record)
    }

    @Test func sqliteStoresTheDefinitionAsLibvirtXML() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SQLiteNetworkStore(path: path).insert(Self.record("readable", uuid: "81ff0d90-c91e-6742-64da-4a736edb9a9b", bridge: "virbr3"))
        let dump = try Command.sqlite(path, "SELECT xml FROM network WHERE name = 'readable'")
        #expect(dump.hasPrefix("<network>\n  <name>readable</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n  <bridge name='virbr3' stp='on' delay='0'/>\n  <mtu size='9000'/>\n"))
    }

    @Test func sqliteReportsAnUnopenableDatabase() {
        let error = #expect(throws: PatchbayError.self) { try SQLiteNetworkStore(path: "/proc/nonexistent/dir/db.sqlite") }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("/proc/nonexistent/dir/db.sqlite") == true)
    }
}

/// Reads the database with GRDB directly, as a person with the sqlite3 tool would see it.
enum Command {
    static func sqlite(_ path: String, _ sql: String) throws -> String {
        try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: sql) ?? "" }
    }
}
