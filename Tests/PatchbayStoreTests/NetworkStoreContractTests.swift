import Foundation
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
        NetworkRecord(definition: NetworkDefinition(
            name: name, uuid: NetworkUUID(uuid)!, forwardMode: .none, bridge: bridge.map { BridgeSettings(name: $0) },
            mtu: 9000, mac: MACAddress("52:54:00:00:00:01"), addresses: [InterfaceAddress("10.0.0.1/24")!],
            xml: "<network><name>\(name)</name></network>\n"))
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

    @Test func sqliteReportsAnUnopenableDatabase() {
        let error = #expect(throws: PatchbayError.self) { try SQLiteNetworkStore(path: "/proc/nonexistent/dir/db.sqlite") }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("/proc/nonexistent/dir/db.sqlite") == true)
    }
}
