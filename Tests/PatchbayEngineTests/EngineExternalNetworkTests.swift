import LibvirtXML
import Logging
import Synchronization
@testable import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// Networks whose ports go onto something the host has: a host bridge (`<forward mode='bridge'>`
/// with `<bridge name>`) and macvtap NICs (direct modes); on the fake kernel. The same with real
/// devices and packets is in the namespace tests (`ExternalNetworkTests`).
@Suite struct EngineExternalNetworkTests {
    let kernel = KernelRecorder()
    let store: any PatchbayStore = InMemoryStore()
    let services = RecordingServices()
    let published = PublishedBridges()
    let engine: NetworkEngine

    init() {
        let published = self.published
        engine = NetworkEngine(store: store, links: kernel, services: services, firewall: RecordingFirewall(),
                               guardedBridgesChanged: { published.set($0) }, logger: Logger(label: "test"))
    }

    static let hostBridge = "<network><name>lan</name><forward mode='bridge'/><bridge name='br0'/></network>"
    static func direct(_ mode: String, _ devices: [String]) -> String {
        "<network><name>mv</name><forward mode='\(mode)'>" + devices.map { "<interface dev='\($0)'/>" }.joined() + "</forward></network>"
    }

    // MARK: - Host bridge

    @Test func hostBridgeNetworkAttachesPortsAndNeverTouchesTheBridge() async throws {
        let br0 = kernel.preexisting("br0", kind: "bridge")
        kernel.mutate("br0") { $0.stp = false }
        let eth0 = kernel.preexisting("eth0", kind: "veth")
        kernel.mutate("eth0") { $0.masterIndex = br0 }
        _ = try await engine.define(xml: Self.hostBridge)
        _ = try await engine.start("lan")
        #expect(services.running["lan"] == nil)  // no DHCP or DNS of Patchbay's on the LAN
        let port = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "vm1"))
        #expect(kernel.snapshot(named: port.device)?.masterIndex == br0)
        // The guard watches only the guest's port: the host's NIC counts as an uplink.
        let guarded = try #require(published.last.first { $0.network == "lan" })
        #expect(guarded.guests == [port.device])
        #expect(guarded.isUplink("eth0") && !guarded.isUplink(port.device))
        let xml = try await engine.portXML(network: "lan", uuid: port.uuid)
        #expect(xml.contains("<plug type='bridge' bridge='br0'/>"))
        // Stopping takes the guest off the host's bridge but leaves the bridge and the NIC alone;
        // starting again puts it back.
        _ = try await engine.destroy("lan")
        #expect(kernel.snapshot(named: port.device)?.masterIndex == nil)
        #expect(kernel.snapshot(named: "br0")?.index == br0)
        #expect(kernel.snapshot(named: "eth0")?.masterIndex == br0)
        _ = try await engine.start("lan")
        #expect(kernel.snapshot(named: port.device)?.masterIndex == br0)
        #expect(!kernel.calls.contains { $0.contains("br0") && !$0.hasPrefix("setMaster") })
        _ = eth0
    }

    @Test func hostBridgeMustExistAndBeABridgeNotAPatchbayNetworks() async throws {
        _ = try await engine.define(xml: Self.hostBridge)
        let missing = await #expect(throws: PatchbayError.self) { try await engine.start("lan") }
        #expect(missing?.code == .notFound)
        kernel.preexisting("br0", kind: "veth")
        let notBridge = await #expect(throws: PatchbayError.self) { try await engine.start("lan") }
        #expect(notBridge?.message.contains("is a veth device, not a bridge") == true)
        kernel.vanish("br0")
        kernel.preexisting("br0", kind: "bridge", alias: OwnershipTag.network(NetworkUUID.random()).description)
        let patchbays = await #expect(throws: PatchbayError.self) { try await engine.start("lan") }
        #expect(patchbays?.message.contains("not a host bridge") == true)
        #expect(try await store.network(named: "lan")?.active == false)
        #expect(try await store.network(named: "lan")?.intent == nil)
    }

    @Test func hostBridgeThatVanishedMarksTheNetworkInactiveAtRecovery() async throws {
        kernel.preexisting("br0", kind: "bridge")
        _ = try await engine.define(xml: Self.hostBridge)
        _ = try await engine.start("lan")
        kernel.vanish("br0")
        let report = await engine.recover()
        #expect(report.contains { $0.contains("network lan: inactive") })
        #expect(try await store.network(named: "lan")?.active == false)
    }

    @Test func hostBridgeVLANsNeedTheKernelsFilteringAndAreProgrammedPerPort() async throws {
        kernel.preexisting("br0", kind: "bridge")
        let xml = """
            <network><name>lan</name><forward mode='bridge'/><bridge name='br0'/><vlan><tag id='42'/></vlan>
              <portgroup name='trunk'><vlan trunk='yes'><tag id='42' nativeMode='untagged'/><tag id='47'/></vlan></portgroup>
            </network>
            """
        _ = try await engine.define(xml: xml)
        let missing = await #expect(throws: PatchbayError.self) { try await engine.start("lan") }
        #expect(missing?.message.contains("CONFIG_BRIDGE_VLAN_FILTERING is not set") == true)
        #expect(try await store.network(named: "lan")?.active == false)
        kernel.setVLANFiltering(false)
        let off = await #expect(throws: PatchbayError.self) { try await engine.start("lan") }
        #expect(off?.message.contains("ip link set br0 type bridge vlan_filtering 1") == true)
        kernel.setVLANFiltering(true)
        _ = try await engine.start("lan")
        let access = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "a"))
        #expect(kernel.vlans(of: access.device) == [BridgeVLANEntry(id: 42, pvid: true, untagged: true)])
        let trunk = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "b", portGroup: "trunk"))
        #expect(kernel.vlans(of: trunk.device) == [BridgeVLANEntry(id: 42, pvid: true, untagged: true), BridgeVLANEntry(id: 47)])
        #expect(try await engine.portXML(network: "lan", uuid: trunk.uuid).contains("<vlan trunk='yes'>"))
    }

    // MARK: - macvtap

    @Test func directNetworkRefusesAMissingNICAtStart() async throws {
        kernel.preexisting("eth1", kind: "veth")
        _ = try await engine.define(xml: Self.direct("bridge", ["eth1", "eth9"]))
        let error = await #expect(throws: PatchbayError.self) { try await engine.start("mv") }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("the NIC 'eth9' of its <forward> does not exist") == true)
        #expect(try await store.network(named: "mv")?.active == false)
    }

    @Test func macvtapPortsGoToTheLeastUsedNICInTheNetworksMode() async throws {
        let eth1 = kernel.preexisting("eth1", kind: "veth")
        let eth2 = kernel.preexisting("eth2", kind: "veth")
        _ = try await engine.define(xml: Self.direct("vepa", ["eth1", "eth2"]))
        _ = try await engine.start("mv")
        var lowers: [String] = []
        for owner in ["a", "b", "c"] {
            let port = try await engine.createPort(network: "mv", CreatePortRequest(ownerName: owner))
            #expect(port.type == .macvtap)
            #expect(port.device.hasPrefix("macvtap"))
            let device = try #require(kernel.snapshot(named: port.device))
            #expect(device.kind == "macvtap")
            #expect(device.directMode == .vepa)
            #expect(device.mac == port.mac)
            #expect(device.tag == port.tag)
            #expect(device.isUp)
            #expect(device.lowerIndex == (port.lowerDevice == "eth1" ? eth1 : eth2))
            lowers.append(try #require(port.lowerDevice))
        }
        #expect(lowers == ["eth1", "eth2", "eth1"])
        let ports = try await engine.ports(network: "mv")
        #expect(ports.allSatisfy { $0.state == .forwarding })
        let xml = try await engine.portXML(network: "mv", uuid: ports[0].uuid)
        #expect(xml.contains("<plug type='direct' dev='\(ports[0].lowerDevice ?? "")' mode='vepa'/>"))
        // Stopped: macvtaps down, not deleted; started again: up.
        _ = try await engine.destroy("mv")
        #expect(try await engine.ports(network: "mv").allSatisfy { $0.state == .detached })
        _ = try await engine.start("mv")
        #expect(try await engine.ports(network: "mv").allSatisfy { $0.state == .forwarding })
    }

    @Test func macvtapCountsSurviveARestartOfTheEngine() async throws {
        kernel.preexisting("eth1", kind: "veth")
        kernel.preexisting("eth2", kind: "veth")
        _ = try await engine.define(xml: Self.direct("bridge", ["eth1", "eth2"]))
        _ = try await engine.start("mv")
        _ = try await engine.createPort(network: "mv", CreatePortRequest(ownerName: "a"))
        // A new engine on the same store and kernel: the next port goes to the NIC with fewer.
        let restarted = NetworkEngine(store: store, links: kernel, services: services, firewall: RecordingFirewall(), logger: Logger(label: "test"))
        _ = await restarted.recover()
        let second = try await restarted.createPort(network: "mv", CreatePortRequest(ownerName: "b"))
        #expect(second.lowerDevice == "eth2")
        #expect(second.device == "macvtap1")
    }

    @Test func passthroughIsExclusiveAndGivesTheNICItsMACBack() async throws {
        let eth1 = kernel.preexisting("eth1", kind: "veth")
        let original = MACAddress("02:00:00:00:00:01")!
        kernel.mutate("eth1") { $0.mac = original }
        _ = try await engine.define(xml: Self.direct("passthrough", ["eth1"]))
        _ = try await engine.start("mv")
        let guestMAC = MACAddress("52:54:00:12:34:56")!
        let port = try await engine.createPort(network: "mv", CreatePortRequest(ownerName: "a", mac: guestMAC))
        #expect(port.savedLowerMAC == original)
        #expect(kernel.snapshot(named: "eth1")?.mac == guestMAC)
        let taken = await #expect(throws: PatchbayError.self) { try await engine.createPort(network: "mv", CreatePortRequest(ownerName: "b")) }
        #expect(taken?.code == .operationInvalid)
        #expect(taken?.message.contains("requires exclusive access to interfaces, but none are available") == true)
        #expect(try await engine.ports(network: "mv").count == 1)
        try await engine.deletePort(network: "mv", uuid: port.uuid)
        #expect(kernel.snapshot(named: "eth1")?.mac == original)
        #expect(kernel.snapshot(named: port.device) == nil)
        _ = eth1
    }

    @Test func failedMacvtapLeavesNothingBehind() async throws {
        kernel.preexisting("eth1", kind: "veth")
        _ = try await engine.define(xml: Self.direct("private", ["eth1"]))
        _ = try await engine.start("mv")
        kernel.failOn("set macvtap0 up")
        let error = await #expect(throws: PatchbayError.self) { try await engine.createPort(network: "mv", CreatePortRequest(ownerName: "a")) }
        #expect(error?.message.contains("cannot create a port on network 'mv'") == true)
        #expect(kernel.linkNamesNow == ["eth1"])
        #expect(try await store.ports(network: "mv").isEmpty)
    }

    @Test func directNetworksRefuseVethAndAdoptedTAPs() async throws {
        kernel.preexisting("eth1", kind: "veth")
        kernel.addNamespace("ns1")
        _ = try await engine.define(xml: Self.direct("bridge", ["eth1"]))
        _ = try await engine.start("mv")
        let veth = await #expect(throws: PatchbayError.self) {
            try await engine.createPort(network: "mv", CreatePortRequest(ownerName: "a", type: .veth, namespace: "ns1"))
        }
        #expect(veth?.message.contains("direct (macvtap) network") == true)
    }

    @Test func macvtapMadeForAProcessGoesWithIt() async throws {
        kernel.preexisting("eth1", kind: "veth")
        kernel.setProcess(4242, startTime: 777)
        _ = try await engine.define(xml: Self.direct("bridge", ["eth1"]))
        _ = try await engine.start("mv")
        let port = try await engine.createPort(network: "mv", CreatePortRequest(ownerName: "vm", type: .macvtap), holder: (4242, 777))
        #expect(await engine.sweepVanishedPorts().isEmpty)
        // The pid now names another process: the one the port was made for is gone.
        kernel.setProcess(4242, startTime: 999)
        #expect(await engine.sweepVanishedPorts().map(\.uuid) == [port.uuid])
        #expect(kernel.snapshot(named: port.device) == nil)
        #expect(try await store.ports(network: "mv").isEmpty)
    }

    // MARK: - hostdev

    @Test func hostdevPortsTakeTheFirstFreeVFAndGiveItBack() async throws {
        let hostdev = FakeHostdev(pf: "eno1", count: 2)
        let engine = NetworkEngine(store: store, links: kernel, services: services, firewall: RecordingFirewall(), hostdev: hostdev,
                                   logger: Logger(label: "test"))
        let xml = "<network><name>sriov</name><forward mode='hostdev' managed='yes'><pf dev='eno1'/></forward><vlan><tag id='42'/></vlan></network>"
        _ = try await engine.define(xml: xml)
        _ = try await engine.start("sriov")
        let first = try await engine.createPort(network: "sriov", CreatePortRequest(ownerName: "a", mac: MACAddress("52:54:00:aa:00:01")!))
        #expect(first.type == .hostdev)
        #expect(first.hostdev?.vf.number == 0)
        #expect(first.hostdev?.boundToVFIO == true)
        #expect(hostdev.bound == [first.hostdev!.vf.address])
        let dump = try await engine.portXML(network: "sriov", uuid: first.uuid)
        #expect(dump.contains("<plug type='hostdev-pci' managed='yes'>"), "\(dump)")
        #expect(dump.contains("<address domain='0x0000' bus='0x03' slot='0x10' function='0x0'/>"), "\(dump)")
        let second = try await engine.createPort(network: "sriov", CreatePortRequest(ownerName: "b"))
        #expect(second.hostdev?.vf.number == 1)
        // Exhausted: refused, and nothing stored or bound.
        let full = await #expect(throws: PatchbayError.self) { try await engine.createPort(network: "sriov", CreatePortRequest(ownerName: "c")) }
        #expect(full?.message.contains("requires exclusive access to interfaces, but none are available") == true)
        #expect(try await store.ports(network: "sriov").count == 2)
        // A prepare the PF refuses leaves nothing behind either.
        try await engine.deletePort(network: "sriov", uuid: second.uuid)
        hostdev.failNextPrepare(PatchbayError(.kernel, "set mac on vf 1 of eno1", cause: "Operation not supported"))
        let refused = await #expect(throws: PatchbayError.self) { try await engine.createPort(network: "sriov", CreatePortRequest(ownerName: "d")) }
        #expect(refused?.message.contains("set mac on vf 1 of eno1") == true)
        #expect(try await store.ports(network: "sriov").map(\.uuid) == [first.uuid])
        // A restart keeps the allocation: the next port still cannot have VF 0.
        let restarted = NetworkEngine(store: store, links: kernel, services: services, firewall: RecordingFirewall(), hostdev: hostdev,
                                      logger: Logger(label: "test"))
        _ = await restarted.recover()
        let third = try await restarted.createPort(network: "sriov", CreatePortRequest(ownerName: "e"))
        #expect(third.hostdev?.vf.number == 1)
        try await restarted.deletePort(network: "sriov", uuid: first.uuid)
        try await restarted.deletePort(network: "sriov", uuid: third.uuid)
        #expect(hostdev.bound.isEmpty)
        _ = try await restarted.destroy("sriov")
        try await restarted.undefine("sriov")
    }

    @Test func hostdevNetworksRefuseClearlyWithoutSRIOV() async throws {
        _ = try await engine.define(xml: "<network><name>sriov</name><forward mode='hostdev' managed='yes'><pf dev='eno1'/></forward></network>")
        let error = await #expect(throws: PatchbayError.self) { try await engine.start("sriov") }
        #expect(error?.message.contains("without SR-IOV support") == true)
        let hostdev = FakeHostdev(pf: "eno1", count: 0)
        let other = NetworkEngine(store: store, links: kernel, services: services, firewall: RecordingFirewall(), hostdev: hostdev,
                                  logger: Logger(label: "test"))
        let none = await #expect(throws: PatchbayError.self) { try await other.start("sriov") }
        #expect(none?.message.contains("no virtual functions enabled") == true)
        #expect(try await store.network(named: "sriov")?.active == false)
    }

    // MARK: - Portgroups

    @Test func portsTakeTheirPortgroupsSettingsAsLibvirtDoes() async throws {
        kernel.preexisting("eth1", kind: "veth")
        let xml = """
            <network><name>pg</name><forward mode='passthrough'><interface dev='eth1'/></forward>
              <portgroup name='gold' default='yes'><virtualport type='802.1Qbh'><parameters profileid='gold'/></virtualport></portgroup>
              <portgroup name='silver' trustGuestRxFilters='yes'/>
            </network>
            """
        _ = try await engine.define(xml: xml)
        _ = try await engine.start("pg")
        let byDefault = try await engine.createPort(network: "pg", CreatePortRequest(ownerName: "a"))
        #expect(byDefault.group == nil)
        #expect(byDefault.virtualPort?.profileID == "gold")
        let dump = try await engine.portXML(network: "pg", uuid: byDefault.uuid)
        #expect(dump.contains("<parameters profileid='gold'/>"))
        #expect(!dump.contains("<group>"))
        try await engine.deletePort(network: "pg", uuid: byDefault.uuid)
        let silver = try await engine.createPort(network: "pg", CreatePortRequest(ownerName: "b", portGroup: "silver"))
        #expect(silver.group == "silver")
        #expect(silver.trustGuestRxFilters == true)
        #expect(try await engine.portXML(network: "pg", uuid: silver.uuid).contains("<group>silver</group>"))
        let unknown = await #expect(throws: PatchbayError.self) {
            try await engine.createPort(network: "pg", CreatePortRequest(ownerName: "c", portGroup: "bronze"))
        }
        #expect(unknown?.message == "network 'pg' has no portgroup 'bronze' (it has gold, silver)")
    }

    @Test func pickDeviceFollowsLibvirt() {
        #expect(PortPlacement.pickDevice(pool: ["a", "b", "c"], connections: [:], exclusive: false) == "a")
        #expect(PortPlacement.pickDevice(pool: ["a", "b", "c"], connections: ["a": 2, "b": 1, "c": 1], exclusive: false) == "b")
        #expect(PortPlacement.pickDevice(pool: ["a", "b"], connections: ["a": 1], exclusive: true) == "b")
        #expect(PortPlacement.pickDevice(pool: ["a", "b"], connections: ["a": 1, "b": 1], exclusive: true) == nil)
        #expect(PortPlacement.pickDevice(pool: [], connections: [:], exclusive: false) == nil)
    }

    @Test func placementFollowsTheForwardMode() throws {
        func placement(_ xml: String) throws -> PortPlacement {
            PortPlacement(try NetworkXML.read(xml).definition)
        }
        #expect(try placement("<network><name>n</name><forward mode='nat'/><bridge name='virbr9'/><ip address='10.9.0.1' prefix='24'/></network>") == .ownedBridge("virbr9"))
        #expect(try placement(Self.hostBridge) == .hostBridge("br0"))
        #expect(try placement(Self.direct("bridge", ["eth1"])) == .direct(.bridge, pool: ["eth1"]))
        #expect(try placement(Self.direct("private", ["eth1", "eth2"])) == .direct(.private, pool: ["eth1", "eth2"]))
        #expect(try placement("<network><name>n</name><forward mode='vepa' dev='eth3'/></network>") == .direct(.vepa, pool: ["eth3"]))
    }

    @Test func deviceNamesFitTheKernelsLimit() {
        let counter = DeviceNameCounter(prefix: "macvtap")
        #expect(counter.highest == 99_999_999)
        #expect(DeviceNameCounter(prefix: "vnet").highest == Int(Int32.max))
        counter.continueAfter(["macvtap7", "vnet99", "macvtap3"])
        #expect(counter.candidate() == "macvtap8")
    }
}

/// What the engine last told the loop guard.
final class PublishedBridges: Sendable {
    private let value = Mutex<[GuardedBridge]>([])
    var last: [GuardedBridge] { value.withLock { $0 } }
    func set(_ bridges: [GuardedBridge]) { value.withLock { $0 = bridges } }
}
