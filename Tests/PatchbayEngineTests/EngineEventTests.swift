import Logging
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// The engine's event stream: what it does is published with the names it knows, kernel notices
/// become port and FDB events only for Patchbay's devices, readers pull by cursor and are told
/// what the bounded history no longer holds, and the store keeps the recent events.
@Suite struct EngineEventTests {
    let kernel = KernelRecorder()
    let store = InMemoryStore()
    let hub: EventHub
    let engine: NetworkEngine

    init() {
        hub = EventHub(capacity: 100, store: store, clock: { 42 })
        engine = NetworkEngine(store: store, links: kernel, services: RecordingServices(), firewall: RecordingFirewall(), events: hub,
                               logger: Logger(label: "test"))
    }

    static let xml = "<network><name>lab</name><bridge name='pbevt0'/><ip address='10.87.0.1' prefix='24'/></network>"

    func types(after cursor: UInt64 = 0) -> [EventType] { hub.events(after: cursor).events.map(\.type) }

    @Test func theEngineTellsWhatItDoes() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
        let port = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm1", mac: MACAddress("52:54:00:87:00:01")))
        try await engine.deletePort(network: "lab", uuid: port.uuid)
        _ = try await engine.destroy("lab")
        try await engine.undefine("lab")
        #expect(types() == [.networkDefined, .networkStarted, .portCreated, .portDeleted, .networkStopped, .networkUndefined])
        let created = try #require(hub.events(after: 0).events.first { $0.type == .portCreated })
        #expect(created.owner == "vm1" && created.mac == "52:54:00:87:00:01" && created.network == "lab" && created.device == port.device
                && created.port == port.uuid.description && created.time == 42)
    }

    @Test func kernelNoticesOfPatchbaysPortsBecomeEvents() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
        let first = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm1", mac: MACAddress("52:54:00:87:00:01")))
        let second = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm2", mac: MACAddress("52:54:00:87:00:02")))
        let bridge = try #require(try await kernel.link(named: "pbevt0"))
        let a = try #require(first.interfaceIndex), b = try #require(second.interfaceIndex)
        let up = LinkTracker.State(carrier: true, up: true, mtu: 1500, master: bridge.index)
        var down = up
        down.carrier = false
        let guest = try #require(MACAddress("52:54:00:87:00:99"))
        // The seed teaches the trackers and says nothing.
        await engine.kernelNotices([.link(index: bridge.index, name: "pbevt0", state: up), .link(index: a, name: first.device, state: up),
                                    .link(index: b, name: second.device, state: up), .link(index: 999, name: "foreign0", state: up)], seed: true)
        let cursor = hub.lastID
        await engine.kernelNotices([.link(index: a, name: first.device, state: down), .link(index: 999, name: "foreign0", state: down),
                                    .fdb(bridge: bridge.index, port: a, mac: guest, vlan: nil, removed: false),
                                    .fdb(bridge: bridge.index, port: a, mac: guest, vlan: nil, removed: false),
                                    .fdb(bridge: bridge.index, port: b, mac: guest, vlan: nil, removed: false),
                                    .fdb(bridge: 999, port: 5, mac: guest, vlan: nil, removed: false),
                                    .fdb(bridge: bridge.index, port: b, mac: guest, vlan: nil, removed: true)], seed: false)
        let events = hub.events(after: cursor).events
        #expect(events.map(\.type) == [.portCarrierDown, .fdbLearned, .fdbMoved, .fdbAged], "\(events.map(\.message))")
        let moved = try #require(events.first { $0.type == .fdbMoved })
        #expect(moved.severity == .warning && moved.owner == "vm2" && moved.mac == guest.description
                && moved.message.contains("'vm1'") && moved.message.contains("'vm2'"), "\(moved.message)")
    }

    @Test func aSlowReaderIsToldWhatItMissed() async throws {
        let small = EventHub(capacity: 5)
        let reader = small.reader(after: 0)
        for index in 0..<12 { small.publish(PatchbayEvent(type: .portCreated, message: "\(index)")) }
        let batch = try #require(await reader.next(limit: 100))
        #expect(batch.missed == 7 && batch.events.map(\.id) == [8, 9, 10, 11, 12] && batch.cursor == 12)
        // Caught up: the next read waits, and a timeout ends the wait with an empty batch.
        let quiet = try #require(await reader.next(timeout: .milliseconds(50)))
        #expect(quiet.events.isEmpty && quiet.missed == 0)
        // A publication wakes a waiting reader.
        async let woken = reader.next()
        try await Task.sleep(for: .milliseconds(20))
        small.publish(PatchbayEvent(type: .portDeleted, message: "late"))
        #expect(await woken?.events.map(\.id) == [13])
    }

    @Test func theStoreKeepsTheNewestEvents() async throws {
        let persisted = EventHub(capacity: 3, store: store)
        let writer = Task { await persisted.persist() }
        for index in 0..<5 { persisted.publish(PatchbayEvent(type: .networkDefined, message: "\(index)")) }
        persisted.finishPersisting()
        await writer.value
        #expect(store.recentEvents(limit: 10).map(\.id) == [3, 4, 5])
        let restarted = EventHub(capacity: 3, restoring: store.recentEvents(limit: 3))
        #expect(restarted.publish(PatchbayEvent(type: .networkStarted, message: "")).id == 6)
    }
}
