import Logging
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Synchronization
import Testing

/// tc as a record of what the engine asked for.
final class RecordingShaper: BandwidthShaping {
    let ports = Mutex<[String: BandwidthDefinition?]>([:])
    let bridges = Mutex<[String: (BandwidthDefinition?, [BandwidthFloor])]>([:])
    let removed = Mutex<[String]>([])
    let refuse = Mutex(false)

    func shapePort(_ device: String, _ bandwidth: BandwidthDefinition?) async throws(PatchbayError) {
        if refuse.withLock({ $0 }) { throw PatchbayError(.invalidArgument, "refused") }
        ports.withLock { $0[device] = bandwidth }
    }

    func unshapePort(_ device: String) async throws(PatchbayError) { removed.withLock { $0.append(device) } }

    func shapeBridge(_ bridge: String, _ bandwidth: BandwidthDefinition?, floors: [BandwidthFloor]) async throws(PatchbayError) {
        bridges.withLock { $0[bridge] = (bandwidth, floors) }
    }
}

/// `<bandwidth>` in the engine: a port's own over its portgroup's, floors on the bridge,
/// live changes, what libvirt refuses, and a restart that re-applies what is stored.
@Suite struct EngineBandwidthTests {
    let store: any PatchbayStore = InMemoryStore()
    let kernel = KernelRecorder()
    let shaper = RecordingShaper()
    let engine: NetworkEngine

    init() {
        engine = Self.engine(store: store, kernel: kernel, shaper: shaper)
    }

    static func engine(store: any PatchbayStore, kernel: KernelRecorder, shaper: RecordingShaper) -> NetworkEngine {
        NetworkEngine(store: store, links: kernel, firewall: RecordingFirewall(), bandwidth: shaper, logger: Logger(label: "test"))
    }

    static let xml = """
        <network><name>lab</name><bridge name='pbqos0'/>
        <bandwidth><inbound average='12500' peak='25000'/></bandwidth>
        <portgroup name='slow'><bandwidth><outbound average='1000'/></bandwidth></portgroup>
        <ip address='10.64.0.1' prefix='24'/></network>
        """

    func start() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
    }

    @Test func portsAndTheBridgeAreShaped() async throws {
        try await start()
        #expect(shaper.bridges.withLock { $0["pbqos0"]?.0?.inbound?.average } == 12500)
        let grouped = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "a", portGroup: "slow"))
        #expect(shaper.ports.withLock { $0[grouped.device] } == BandwidthDefinition(outbound: BandwidthRate(average: 1000)))
        var request = CreatePortRequest(ownerName: "b", portGroup: "slow")
        request.bandwidth = BandwidthDefinition(inbound: BandwidthRate(average: 6250, floor: 5000))
        let own = try await engine.createPort(network: "lab", request)
        // The port's own overrides the group's, and its floor reaches the bridge.
        #expect(shaper.ports.withLock { $0[own.device] } == request.bandwidth)
        #expect(shaper.bridges.withLock { $0["pbqos0"]?.1.map(\.floor) } == [5000])
        let plain = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "c"))
        #expect(shaper.ports.withLock { $0[plain.device] } == nil)

        let changed = try await engine.setPortBandwidth(network: "lab", uuid: own.uuid, BandwidthDefinition(outbound: BandwidthRate(average: 3000)))
        #expect(changed.bandwidth?.outbound?.average == 3000)
        #expect(shaper.ports.withLock { $0[own.device] } == BandwidthDefinition(outbound: BandwidthRate(average: 3000)))
        #expect(shaper.bridges.withLock { $0["pbqos0"]?.1.isEmpty } == true)
        #expect(try await store.port(uuid: own.uuid)?.bandwidth == changed.bandwidth)

        try await engine.deletePort(network: "lab", uuid: own.uuid)
        #expect(shaper.removed.withLock { $0 } == [own.device])
    }

    @Test func refusalsChangeNothing() async throws {
        try await start()
        let port = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "a"))
        for (bandwidth, message) in [
            (BandwidthDefinition(inbound: BandwidthRate(average: 0)), "must be above 0"),
            (BandwidthDefinition(outbound: BandwidthRate(peak: 10)), "no average"),
        ] {
            let error = await #expect(throws: PatchbayError.self) { try await engine.setPortBandwidth(network: "lab", uuid: port.uuid, bandwidth) }
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
        }
        // The kernel refuses (a peak below the average, floors over the network's): the stored
        // rates stay as they were.
        shaper.refuse.withLock { $0 = true }
        await #expect(throws: PatchbayError.self) {
            try await engine.setPortBandwidth(network: "lab", uuid: port.uuid, BandwidthDefinition(inbound: BandwidthRate(average: 100)))
        }
        #expect(try await store.port(uuid: port.uuid)?.bandwidth == nil)
        shaper.refuse.withLock { $0 = false }

        _ = try await engine.define(xml: "<network><name>plain</name><bridge name='pbqos1'/><ip address='10.65.0.1' prefix='24'/></network>")
        _ = try await engine.start("plain")
        var request = CreatePortRequest(ownerName: "f")
        request.bandwidth = BandwidthDefinition(inbound: BandwidthRate(average: 100, floor: 50))
        let error = await #expect(throws: PatchbayError.self) { try await engine.createPort(network: "plain", request) }
        #expect(error?.message.contains("no <bandwidth><inbound average") == true)
        #expect(try await store.ports(network: "plain").isEmpty)
        #expect(shaper.bridges.withLock { $0["pbqos1"] } == nil)
    }

    @Test func aRestartShapesWhatIsStored() async throws {
        try await start()
        let port = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "a", portGroup: "slow"))
        shaper.ports.withLock { $0 = [:] }
        shaper.bridges.withLock { $0 = [:] }
        let report = await Self.engine(store: store, kernel: kernel, shaper: shaper).recover()
        #expect(report.contains("bandwidth: 1 shaped port checked"))
        #expect(shaper.ports.withLock { $0[port.device] } == BandwidthDefinition(outbound: BandwidthRate(average: 1000)))
        #expect(shaper.bridges.withLock { $0["pbqos0"] } != nil)
    }

    @Test func floorClassesAreStableAndDistinct() {
        let ports = (0..<300).map { i in
            // Distinct MACs (300 random ones collide about once in 370 runs, and the map below
            // needs them unique).
            let mac = MACAddress(bytes: [0x52, 0x54, 0x00, 0x00, UInt8(i >> 8), UInt8(i & 0xFF)])!
            var port = NetworkPort(uuid: NetworkUUID.random(), network: "lab", ownerName: "o\(i)", ownerUUID: nil, mac: mac, type: .tap,
                                   device: "vnet\(i)", role: .guest, queues: 1)
            port.bandwidth = BandwidthDefinition(inbound: BandwidthRate(average: 10, floor: 10))
            return port
        }
        let floors = NetworkEngine.floors(ports)
        #expect(Set(floors.map(\.classID)).count == 300 && floors.allSatisfy { BandwidthFloor.classIDs.contains($0.classID) })
        // One port more moves no other port's class.
        let fewer = Dictionary(uniqueKeysWithValues: NetworkEngine.floors(Array(ports.dropLast())).map { ($0.mac, $0.classID) })
        let moved = floors.filter { fewer[$0.mac] != nil && fewer[$0.mac] != $0.classID }
        #expect(moved.count <= 1)
    }
}
