import Logging
@testable import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// `top`'s samples from the engine: every network (or one) with its ports' owners, MACs,
/// leased addresses, counters and states from one set of link counters, and the DHCP/DNS totals
/// handed in; the state of each kind of port as `net-port-list` names it.
@Suite struct EngineStatsTests {
    let store: any PatchbayStore = InMemoryStore()
    let kernel = KernelRecorder()
    let engine: NetworkEngine

    init() {
        engine = NetworkEngine(store: store, links: kernel, firewall: RecordingFirewall(), logger: Logger(label: "test"))
    }

    @Test func aSampleOfEveryNetwork() async throws {
        _ = try await engine.define(xml: "<network><name>lab</name><bridge name='pbst0'/><ip address='10.67.0.1' prefix='24'/></network>")
        _ = try await engine.define(xml: "<network><name>off</name><bridge name='pbst1'/></network>")
        _ = try await engine.start("lab")
        let a = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm1"))
        let b = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm2"))
        try await store.apply(upserts: [DHCPLease(network: "lab", mac: a.mac, ip: IPv4Address("10.67.0.50")!, expiresAt: nil)], deletions: [])

        let sample = try await engine.statsSnapshot(network: nil, services: ["lab": ServiceTotals(dhcpRequests: 3, dnsQueries: 7)],
                                                   monotonicMilliseconds: 1234, time: 99)
        #expect(sample.monotonicMilliseconds == 1234 && sample.time == 99)
        #expect(sample.networks.map(\.name) == ["lab", "off"])
        let lab = sample.networks[0]
        #expect(lab.active && lab.dhcpRequests == 3 && lab.dnsQueries == 7)
        #expect(lab.ports.map(\.owner) == ["vm1", "vm2"])
        #expect(lab.ports[0].uuid == a.uuid.description && lab.ports[1].uuid == b.uuid.description)
        #expect(lab.ports[0].mac == a.mac && lab.ports[0].device == a.device)
        #expect(lab.ports[0].ip == "10.67.0.50" && lab.ports[1].ip == nil)
        #expect(lab.ports.allSatisfy { $0.counters != nil && $0.interfaceIndex != nil && $0.state != nil })
        #expect(sample.networks[1] == NetworkStats(name: "off", active: false))

        let one = try await engine.statsSnapshot(network: "lab", services: [:], monotonicMilliseconds: 0, time: 0)
        #expect(one.networks.map(\.name) == ["lab"] && one.networks[0].dhcpRequests == 0)
        await #expect(throws: PatchbayError.self) {
            _ = try await engine.statsSnapshot(network: "nosuch", services: [:], monotonicMilliseconds: 0, time: 0)
        }
    }

    static func port(_ type: NetworkPort.DeviceType = .tap, phase: NetworkPort.Phase? = nil) -> NetworkPort {
        var port = NetworkPort(uuid: NetworkUUID.random(), network: "lab", ownerName: "vm", ownerUUID: nil, mac: MACAddress("52:54:00:00:00:01")!,
                               type: type, device: "vnet0")
        port.phase = phase
        return port
    }

    static func device(up: Bool = true, master: Int32? = 2, state: BridgePortState? = .forwarding, carrier: Bool = true) -> LinkCounters {
        LinkCounters(link: LinkSnapshot(name: "vnet0", index: 7, kind: "tun", isUp: up, masterIndex: master), guestStatistics: nil,
                     bridgePort: state.map { BridgePortStatus(index: 7, name: "vnet0", state: $0, carrier: carrier) })
    }

    @Test func portStatesFromTheDump() {
        let state = NetworkEngine.state(of:device:bridge:bridged:)
        #expect(state(Self.port(phase: .creating), Self.device(), 2, true) == .pending)
        #expect(state(Self.port(.hostdev), nil, 2, true) == nil)
        #expect(state(Self.port(.vhostuser), nil, 2, false) == nil)
        #expect(state(Self.port(), nil, 2, true) == .missing)
        #expect(state(Self.port(), Self.device(), 2, true) == .forwarding)
        // The loop guard's cut, and STP's blocking.
        #expect(state(Self.port(), Self.device(state: .disabled), 2, true) == .disabled)
        #expect(state(Self.port(), Self.device(state: .blocking), 2, true) == .blocking)
        #expect(state(Self.port(), Self.device(carrier: false), 2, true) == .noCarrier)
        // On another bridge, or on none.
        #expect(state(Self.port(), Self.device(master: 3), 2, true) == .detached)
        #expect(state(Self.port(), Self.device(master: nil, state: nil), 2, true) == .detached)
        // Not bridge ports: macvtap, Open vSwitch.
        #expect(state(Self.port(.macvtap), Self.device(master: nil, state: nil), nil, false) == .forwarding)
        #expect(state(Self.port(.macvtap), Self.device(up: false, master: nil, state: nil), nil, false) == .detached)
        #expect(state(Self.port(.veth), Self.device(master: nil, state: nil), nil, false) == .forwarding)
    }

    @Test func theDumpFindsAPortsDeviceByIndexOrNameOnlyWithItsTag() {
        var port = Self.port()
        port.interfaceIndex = 7
        var tagged = LinkSnapshot(name: "vnet0", index: 7, kind: "tun", alias: port.tag.description)
        let index = LinkCounterIndex([LinkCounters(link: tagged, guestStatistics: nil)])
        #expect(index.device(of: port)?.link.index == 7)
        port.interfaceIndex = 99
        #expect(index.device(of: port)?.link.index == 7, "by name when the index is another device's")
        tagged.alias = "someone-else"
        #expect(LinkCounterIndex([LinkCounters(link: tagged, guestStatistics: nil)]).device(of: port) == nil)
    }
}
