import Foundation
import GRDB
import PatchbayModel
import PatchbayStore
@testable import PatchbayStoreSQLite
import Testing

/// The same expectations for both stores, so the in-memory one used by engine tests cannot drift
/// from the SQLite one the daemon uses.
@Suite struct NetworkStoreContractTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqliteMemory, sqliteFile
        var testDescription: String { rawValue }

        func make() throws -> any PatchbayStore {
            switch self {
            case .memory: return InMemoryStore()
            case .sqliteMemory: return try SQLiteStore()
            case .sqliteFile:
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString).sqlite").path
                return try SQLiteStore(path: path)
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

    static func port(_ network: String, mac: String, device: String) -> NetworkPort {
        NetworkPort(uuid: NetworkUUID.random(), network: network, ownerName: "vm", ownerUUID: nil, mac: MACAddress(mac)!, type: .tap,
                    device: device)
    }

    @Test(arguments: Kind.allCases) func insertReadUpdateDelete(_ kind: Kind) async throws {
        let store = try kind.make()
        var a = try await store.insert(Self.record("alpha", bridge: "virbr0"))
        #expect(a.revision == 1)
        try await store.insert(Self.record("beta", bridge: "virbr1"))
        #expect(try await store.networks().map(\.name) == ["alpha", "beta"])
        #expect(try await store.network(named: "alpha") == a)

        a.autostart = true
        a.live = a.definition
        a.intent = NetworkIntent(phase: .starting, target: a.definition, temporaryDevice: "pbtmp0123456789")
        let stored = try await store.update(a)
        #expect(stored.revision == 2)
        #expect(try await store.network(named: "alpha") == stored)
        #expect(try await store.network(named: "alpha")?.active == true)
        #expect(try await store.network(named: "alpha")?.intent?.temporaryDevice == "pbtmp0123456789")

        try await store.delete(named: "alpha")
        #expect(try await store.network(named: "alpha") == nil)
        #expect(try await store.networks().map(\.name) == ["beta"])
    }

    /// A writer that read before someone else wrote cannot overwrite them (the lost update the
    /// engine's reentrancy used to cause).
    @Test(arguments: Kind.allCases) func aStaleRevisionIsRefused(_ kind: Kind) async throws {
        let store = try kind.make()
        let first = try await store.insert(Self.record("alpha", bridge: "virbr0"))
        var mine = first, theirs = first
        mine.autostart = true
        try await store.update(mine)
        theirs.persistent = false
        let error = await #expect(throws: PatchbayError.self) { try await store.update(theirs) }
        #expect(error?.code == .conflict)
        #expect(try await store.network(named: "alpha")?.autostart == true)
        #expect(try await store.network(named: "alpha")?.persistent == true)
    }

    @Test(arguments: Kind.allCases) func conflictsAreRejectedAndChangeNothing(_ kind: Kind) async throws {
        let store = try kind.make()
        let a = try await store.insert(Self.record("alpha", uuid: "81ff0d90-c91e-6742-64da-4a736edb9a9b", bridge: "virbr0"))
        let sameName = await #expect(throws: PatchbayError.self) { try await store.insert(Self.record("alpha", bridge: "virbr5")) }
        #expect(sameName?.code == .alreadyExists)
        let sameUUID = await #expect(throws: PatchbayError.self) {
            try await store.insert(Self.record("gamma", uuid: "81ff0d90-c91e-6742-64da-4a736edb9a9b", bridge: "virbr6"))
        }
        #expect(sameUUID?.code == .alreadyExists)
        let sameBridge = await #expect(throws: PatchbayError.self) { try await store.insert(Self.record("delta", bridge: "virbr0")) }
        #expect(sameBridge?.message == "bridge name 'virbr0' is already used by network 'alpha'")
        #expect(try await store.networks() == [a])
    }

    @Test(arguments: Kind.allCases) func missingRecordsAreNotFound(_ kind: Kind) async throws {
        let store = try kind.make()
        #expect((await #expect(throws: PatchbayError.self) { try await store.update(Self.record("x", bridge: nil)) })?.code == .notFound)
        #expect((await #expect(throws: PatchbayError.self) { try await store.delete(named: "x") })?.code == .notFound)
    }

    /// Undefine forgets everything of the network in one go: a later network of the same name
    /// inherits no ports, forwards or leases.
    @Test(arguments: Kind.allCases) func deletingANetworkTakesItsPortsForwardsAndLeasesAlong(_ kind: Kind) async throws {
        let store = try kind.make()
        try await store.insert(Self.record("alpha", bridge: "virbr0"))
        try await store.insert(Self.record("beta", bridge: "virbr1"))
        try await store.insert(Self.port("alpha", mac: "52:54:00:00:00:10", device: "vnet0"))
        try await store.insert(Self.port("beta", mac: "52:54:00:00:00:11", device: "vnet1"))
        let forward = PortForward(network: "alpha", transport: .tcp, hostPortStart: 80, hostPortEnd: 80, guestAddress: IPv4Address("10.0.0.9")!,
                                  guestPort: nil)
        try await store.insert(forward)
        try await store.apply(upserts: [DHCPLease(network: "alpha", mac: MACAddress("52:54:00:00:00:10")!, ip: IPv4Address("10.0.0.9")!,
                                                  expiresAt: nil, origin: .port(7))], deletions: [])
        #expect(try await store.leases(network: "alpha").first?.origin == .port(7))
        try await store.delete(named: "alpha")
        #expect(try await store.ports().map(\.network) == ["beta"])
        #expect(try await store.portForwards().isEmpty)
        #expect(try await store.leases(network: "alpha").isEmpty)
    }

    @Test(arguments: Kind.allCases) func portsAreUniqueByMACAndDevice(_ kind: Kind) async throws {
        let store = try kind.make()
        let first = Self.port("alpha", mac: "52:54:00:00:00:10", device: "vnet0")
        try await store.insert(first)
        let sameMAC = await #expect(throws: PatchbayError.self) { try await store.insert(Self.port("beta", mac: "52:54:00:00:00:10", device: "vnet1")) }
        #expect(sameMAC?.code == .alreadyExists)
        let sameDevice = await #expect(throws: PatchbayError.self) { try await store.insert(Self.port("beta", mac: "52:54:00:00:00:11", device: "vnet0")) }
        #expect(sameDevice?.message.contains("device 'vnet0' already belongs") == true)
        var moved = first
        moved.interfaceIndex = 42
        moved.state = .forwarding
        try await store.update(moved)
        let read = try #require(try await store.ports().first)
        #expect(read.interfaceIndex == 42)
        #expect(read.state == nil)
    }

    /// The lookups port creation and the sweep make instead of reading every port.
    @Test(arguments: Kind.allCases) func portsAreFoundByUUIDMACDeviceAndNetwork(_ kind: Kind) async throws {
        let store = try kind.make()
        let a = Self.port("alpha", mac: "52:54:00:00:00:10", device: "vnet0")
        let b = Self.port("beta", mac: "52:54:00:00:00:11", device: "vnet1")
        let c = Self.port("alpha", mac: "52:54:00:00:00:12", device: "vnet2")
        for port in [a, b, c] { try await store.insert(port) }
        #expect(try await store.port(uuid: b.uuid) == b)
        #expect(try await store.port(uuid: NetworkUUID.random()) == nil)
        #expect(try await store.port(withMAC: MACAddress("52:54:00:00:00:12")!) == c)
        #expect(try await store.port(withMAC: MACAddress("52:54:00:00:00:13")!) == nil)
        #expect(try await store.port(withDevice: "vnet1") == b)
        #expect(try await store.port(withDevice: "vnet3") == nil)
        #expect(try await store.ports(network: "alpha") == [a, c].sorted { $0.uuid.description < $1.uuid.description })
        #expect(try await store.ports(network: "gamma").isEmpty)
        // After an update the lookups find the port by its new keys only.
        var moved = b
        moved.mac = MACAddress("52:54:00:00:00:21")!
        moved.device = "vnet21"
        try await store.update(moved)
        #expect(try await store.port(withDevice: "vnet1") == nil)
        #expect(try await store.port(withMAC: MACAddress("52:54:00:00:00:11")!) == nil)
        #expect(try await store.port(withDevice: "vnet21") == moved)
        try await store.delete(port: moved.uuid)
        #expect(try await store.port(uuid: moved.uuid) == nil)
        #expect(try await store.port(withMAC: moved.mac) == nil)
    }

    @Test(arguments: Kind.allCases) func portsThatMayVanishAreAdoptedTAPsAndVeths(_ kind: Kind) async throws {
        let store = try kind.make()
        let kept = Self.port("alpha", mac: "52:54:00:00:00:10", device: "vnet0")
        var adopted = Self.port("alpha", mac: "52:54:00:00:00:11", device: "vnet1")
        adopted.adopted = true
        var veth = Self.port("beta", mac: "52:54:00:00:00:12", device: "vnet2")
        veth.type = .veth
        for port in [kept, adopted, veth] { try await store.insert(port) }
        #expect(Set(try await store.portsThatMayVanish()) == [adopted, veth])
        var nowAdopted = kept
        nowAdopted.adopted = true
        try await store.update(nowAdopted)
        #expect(Set(try await store.portsThatMayVanish().map(\.uuid)) == [kept.uuid, adopted.uuid, veth.uuid])
    }

    @Test(arguments: Kind.allCases) func overlappingForwardsAreRefused(_ kind: Kind) async throws {
        let store = try kind.make()
        func forward(_ network: String, _ start: UInt16, _ end: UInt16) -> PortForward {
            PortForward(network: network, transport: .udp, hostPortStart: start, hostPortEnd: end, guestAddress: IPv4Address("10.0.0.9")!, guestPort: nil)
        }
        try await store.insert(forward("alpha", 5000, 5010))
        let clash = await #expect(throws: PatchbayError.self) { try await store.insert(forward("beta", 5005, 5005)) }
        #expect(clash?.code == .alreadyExists)
        try await store.insert(forward("beta", 5011, 5011))
        #expect(try await store.portForwards().count == 2)
    }

    @Test func sqliteKeepsEverythingAcrossReopen() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var record = Self.record("persisted", bridge: "virbr9")
        record.live = record.definition
        record.autostart = true
        let stored: NetworkRecord
        do {
            let store = try SQLiteStore(path: path)
            stored = try await store.insert(record)
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.network(named: "persisted") == stored)
    }

    @Test func sqliteStoresTheDefinitionAsLibvirtXML() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await SQLiteStore(path: path).insert(Self.record("readable", uuid: "81ff0d90-c91e-6742-64da-4a736edb9a9b", bridge: "virbr3"))
        let dump = try Command.sqlite(path, "SELECT xml FROM network WHERE name = 'readable'")
        #expect(dump.hasPrefix("<network>\n  <name>readable</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n  <bridge name='virbr3' stp='on' delay='0'/>\n  <mtu size='9000'/>\n"))
    }

    @Test func sqliteReportsAnUnopenableDatabase() {
        let error = #expect(throws: PatchbayError.self) { try SQLiteStore(path: "/proc/nonexistent/dir/db.sqlite") }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("/proc/nonexistent/dir/db.sqlite") == true)
    }

    /// A state directory of the previous version: its running networks are marked as started
    /// untagged, and its ports keep working with their keys filled in.
    @Test func aVersion4DatabaseIsBroughtForward() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(queue, upTo: "v4: ports")
            let xml = "<network>\n  <name>old</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n  <bridge name='virbr4'/>\n</network>\n"
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO network (name, uuid, bridge, forwardMode, xml, liveXML, autostart, persistent, updatedAt) VALUES ('old', '81ff0d90-c91e-6742-64da-4a736edb9a9b', 'virbr4', 'none', ?, ?, 0, 1, '2026-11-30')",
                               arguments: [xml, xml])
                try db.execute(sql: "INSERT INTO port (uuid, network, json) VALUES ('11111111-2222-3333-4444-555555555555', 'old', ?)",
                               arguments: [#"{"uuid":"11111111-2222-3333-4444-555555555555","network":"old","ownerName":"vm1","mac":"52:54:00:12:34:56","type":"tap","device":"vnet0","queues":1,"adopted":false}"#])
            }
        }
        let store = try SQLiteStore(path: path)
        let record = try #require(try await store.network(named: "old"))
        #expect(record.legacyUntagged)
        #expect(record.active)
        let port = try #require(try await store.ports().first)
        #expect(port.role == .guest && port.interfaceIndex == nil && port.device == "vnet0")
        let clash = await #expect(throws: PatchbayError.self) {
            try await store.insert(Self.port("old", mac: "52:54:00:12:34:56", device: "vnet9"))
        }
        #expect(clash?.code == .alreadyExists)
        #expect(try await store.port(withDevice: "vnet0") == port)
        #expect(try await store.portsThatMayVanish().isEmpty)
    }

    /// Version 6 marks the stored adopted TAPs and veth ports for the sweep.
    @Test func aVersion5DatabaseMarksThePortsThatMayVanish() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = [("11111111-2222-3333-4444-555555555501", "tap", "false"), ("11111111-2222-3333-4444-555555555502", "tap", "true"),
                    ("11111111-2222-3333-4444-555555555503", "veth", "false")]
        do {
            let queue = try DatabaseQueue(path: path)
            try SQLiteStore.migrator.migrate(queue, upTo: "v5: revisions, intents, port keys")
            try await queue.write { db in
                for (number, (uuid, type, adopted)) in rows.enumerated() {
                    let json = #"{"uuid":"\#(uuid)","network":"old","ownerName":"vm1","mac":"52:54:00:12:34:5\#(number)","type":"\#(type)","device":"vnet\#(number)","queues":1,"adopted":\#(adopted)}"#
                    try db.execute(sql: "INSERT INTO port (uuid, network, json, mac, device) VALUES (?, 'old', ?, ?, ?)",
                                   arguments: [uuid, json, "52:54:00:12:34:5\(number)", "vnet\(number)"])
                }
            }
        }
        let store = try SQLiteStore(path: path)
        #expect(try await store.portsThatMayVanish().map(\.uuid.description) == rows.dropFirst().map(\.0))
    }
}

/// Reads the database with GRDB directly, as a person with the sqlite3 tool would see it.
enum Command {
    static func sqlite(_ path: String, _ sql: String) throws -> String {
        try DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: sql) ?? "" }
    }
}
