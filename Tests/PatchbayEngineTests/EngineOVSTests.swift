import LibvirtXML
import Logging
@testable import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// Open vSwitch networks on the fake kernel and a fake OVS: which bridge a network uses, what
/// its ports' rows say, and that a refusal changes nothing. The same against a real
/// ovsdb-server and ovs-vswitchd, with frames, is in `OVSNetworkTests`.
@Suite struct EngineOVSTests {
    let kernel = KernelRecorder()
    let store: any PatchbayStore = InMemoryStore()
    let services = RecordingServices()
    let ovs: FakeOVS
    let engine: NetworkEngine

    init() {
        ovs = FakeOVS(kernel: kernel)
        engine = NetworkEngine(store: store, links: kernel, services: services, firewall: RecordingFirewall(),
                               ovs: OVSSetup(ovs: ovs, kernelDatapath: false, vhostUserDirectory: "/run/test/vhu"), logger: Logger(label: "test"))
    }

    static let hostOVS = """
        <network><name>lan</name><forward mode='bridge'/><bridge name='ovsbr0'/><virtualport type='openvswitch'/>
        <portgroup name='v100' default='yes'><vlan><tag id='100'/></vlan><bandwidth><inbound average='1000' burst='256'/><outbound average='500'/></bandwidth></portgroup>
        <portgroup name='trunk'><vlan trunk='yes'><tag id='100'/><tag id='200'/></vlan></portgroup>
        <portgroup name='native'><vlan trunk='yes'><tag id='123' nativeMode='tagged'/><tag id='444'/></vlan></portgroup>
        </network>
        """

    @Test func placementFollowsLibvirtAndOwnsOnlyWhatItMakes() throws {
        func placement(_ xml: String) throws -> PortPlacement { PortPlacement(try NetworkXML.read(xml, level: .define).definition) }
        #expect(try placement(Self.hostOVS) == .ovs(bridge: "ovsbr0", owned: false))
        let nat = "<network><name>n</name><forward mode='nat'/><bridge name='virbr9'/><virtualport type='openvswitch'/><ip address='10.0.0.1' prefix='24'/></network>"
        #expect(try placement(nat) == .ovs(bridge: "virbr9", owned: true))
        let unnamed = "<network><name>o</name><uuid>81ff0d90-c92e-6742-64da-4a736edb9a8b</uuid><forward mode='bridge'/><virtualport type='openvswitch'/></network>"
        #expect(try placement(unnamed) == .ovs(bridge: "pbovs81ff0d90c9", owned: true))
        // Only on a portgroup: still an OVS network.
        let group = "<network><name>g</name><forward mode='bridge'/><bridge name='br1'/><portgroup name='p'><virtualport type='openvswitch'/></portgroup></network>"
        #expect(try placement(group) == .ovs(bridge: "br1", owned: false))
        #expect(PortPlacement.ovsBridgeName(NetworkUUID.random()).utf8.count == 15)
    }

    @Test func vlanColumnsAreLibvirts() {
        #expect(OVSPortPlan.vlan(nil) == .none)
        #expect(OVSPortPlan.vlan(VLANDefinition(trunk: false, tags: [VLANTag(id: 100)])) == OVSVLAN(tag: 100, mode: .access))
        #expect(OVSPortPlan.vlan(VLANDefinition(trunk: true, tags: [VLANTag(id: 666)])) == OVSVLAN(trunks: [666], mode: .trunk))
        #expect(OVSPortPlan.vlan(VLANDefinition(trunk: true, tags: [VLANTag(id: 123, nativeMode: .tagged), VLANTag(id: 444)]))
                == OVSVLAN(tag: 123, trunks: [123, 444], mode: .nativeTagged))
        #expect(OVSPortPlan.vlan(VLANDefinition(trunk: true, tags: [VLANTag(id: 100), VLANTag(id: 7, nativeMode: .untagged)]))
                == OVSVLAN(tag: 7, trunks: [100, 7], mode: .nativeUntagged))
    }

    @Test func bandwidthBecomesPolicingAndQoSForTheDatapath() {
        let bandwidth = BandwidthDefinition(inbound: BandwidthRate(average: 1000, peak: 2000, burst: 256), outbound: BandwidthRate(average: 500, burst: 64))
        let netdev = OVSPortPlan.bandwidth(bandwidth, datapath: "netdev")
        #expect(netdev.rate == 4000 && netdev.burst == 512)
        #expect(netdev.qos == OVSQoS(type: "egress-policer", otherConfig: ["cir": "1000000", "cbs": "262144"]))
        let system = OVSPortPlan.bandwidth(bandwidth, datapath: "system")
        #expect(system.qos == OVSQoS(type: "linux-htb", otherConfig: ["min-rate": "8000000", "max-rate": "16000000", "burst": "2097152"]))
        let none = OVSPortPlan.bandwidth(nil, datapath: "netdev")
        #expect(none.rate == 0 && none.burst == 0 && none.qos == nil)
    }

    @Test func portsGoIntoTheAdministratorsBridgeWithLibvirtsExternalIDs() async throws {
        ovs.addBridge("ovsbr0")
        _ = try await engine.define(xml: Self.hostOVS)
        _ = try await engine.start("lan")
        #expect(!ovs.calls.contains { $0.hasPrefix("createBridge") })
        let owner = NetworkUUID.random()
        let port = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "vm1", ownerUUID: owner))
        let row = try #require(ovs.port(port.device))
        #expect(row.vlan == OVSVLAN(tag: 100, mode: .access))
        #expect(row.externalIDs["attached-mac"] == port.mac.description)
        #expect(row.externalIDs["vm-id"] == owner.description)
        #expect(row.externalIDs["iface-status"] == "active")
        let interfaceID = try #require(port.virtualPort?.interfaceID)
        #expect(row.externalIDs["iface-id"] == interfaceID.description)
        #expect(row.externalIDs["patchbay-tag"] == port.tag.description)
        #expect(row.ingressPolicingRate == 4000)
        #expect(row.qos?.type == "egress-policer")
        // Not on any Linux bridge.
        #expect(kernel.snapshot(named: port.device)?.masterIndex == nil)
        let xml = try await engine.portXML(network: "lan", uuid: port.uuid)
        #expect(xml.contains("<plug type='bridge' bridge='ovsbr0'/>"))
        #expect(xml.contains("interfaceid='\(interfaceID)'"))
        #expect(try await engine.ports(network: "lan").first?.state == .forwarding)

        let trunk = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "vm2", portGroup: "trunk"))
        #expect(ovs.port(trunk.device)?.vlan == OVSVLAN(trunks: [100, 200], mode: .trunk))
        let native = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "vm3", portGroup: "native"))
        #expect(ovs.port(native.device)?.vlan == OVSVLAN(tag: 123, trunks: [123, 444], mode: .nativeTagged))

        // A row deleted behind Patchbay's back comes back; a row that is right is not rewritten.
        try await ovs.deletePort(named: port.device)
        let writes = ovs.calls.filter { $0.hasPrefix("addPort") }.count
        let repairs = await engine.repairOVSNetworks()
        #expect(ovs.port(port.device)?.vlan.tag == 100)
        #expect(ovs.calls.filter { $0.hasPrefix("addPort") }.count == writes + 1, "\(repairs)")

        // Stop: the ports leave the administrator's bridge, which stays.
        _ = try await engine.destroy("lan")
        #expect(ovs.port(port.device) == nil)
        #expect(ovs.state.withLock { $0.bridges["ovsbr0"] } != nil)
        _ = try await engine.start("lan")
        #expect(ovs.port(port.device) != nil)
        try await engine.deletePort(network: "lan", uuid: port.uuid)
        #expect(ovs.port(port.device) == nil)
        #expect(kernel.snapshot(named: port.device) == nil)
    }

    @Test func patchbaysOwnBridgeIsMadeAddressedAndDeleted() async throws {
        let nat = "<network><name>n</name><forward mode='nat'/><bridge name='ovsnat0'/><virtualport type='openvswitch'/><ip address='10.9.0.1' prefix='24'><dhcp><range start='10.9.0.10' end='10.9.0.20'/></dhcp></ip></network>"
        _ = try await engine.define(xml: nat)
        _ = try await engine.start("n")
        #expect(ovs.calls.contains("createBridge ovsnat0 netdev"))
        let device = try #require(kernel.snapshot(named: "ovsnat0"))
        let uuid = try #require(NetworkUUID(try await engine.info("n").uuid))
        #expect(device.tag == .network(uuid))
        #expect(kernel.addresses(on: "ovsnat0").contains { $0.description == "10.9.0.1/24" })
        // ovs-vswitchd made the internal device anew, without its address: the repair puts it back.
        kernel.removeAddress(try #require(kernel.addresses(on: "ovsnat0").first), from: "ovsnat0")
        let repairs = await engine.repairOVSNetworks()
        #expect(kernel.addresses(on: "ovsnat0").contains { $0.description == "10.9.0.1/24" }, "\(repairs)")
        #expect(services.running["n"] != nil)
        let info = try await engine.info("n")
        #expect(info.openvswitch == OVSBridgeInfo(bridge: "ovsnat0", ownedByPatchbay: true, datapathType: "netdev", ports: 1))
        _ = try await engine.destroy("n")
        #expect(ovs.state.withLock { $0.bridges["ovsnat0"] } == nil)
    }

    @Test func refusalsChangeNothing() async throws {
        // An OVS bridge the host does not have.
        _ = try await engine.define(xml: Self.hostOVS)
        let missing = await #expect(throws: PatchbayError.self) { _ = try await engine.start("lan") }
        #expect(missing?.message.contains("ovs-vsctl add-br ovsbr0") == true)
        #expect(try await engine.info("lan").active == false)

        // OVS down: no port, no device, no record.
        ovs.addBridge("ovsbr0")
        _ = try await engine.start("lan")
        ovs.down = true
        let down = await #expect(throws: PatchbayError.self) { _ = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "vm")) }
        #expect(down?.code == .unavailable)
        #expect(down?.message.contains(FakeOVS.socket) == true)
        #expect(try await store.ports(network: "lan").isEmpty)
        #expect(!kernel.calls.contains { $0.hasPrefix("createTap") })

        // vhost-user without DPDK.
        ovs.down = false
        let vhost = await #expect(throws: PatchbayError.self) {
            _ = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "vm", type: .vhostuser))
        }
        #expect(vhost?.message.contains("DPDK") == true)
        #expect(try await store.ports(network: "lan").isEmpty)
    }

    @Test func vhostUserPortsAreDPDKClientsOfQEMUsSocket() async throws {
        ovs.addBridge("ovsbr0")
        ovs.setSystem(OVSSystem(version: "3.1.0", datapathTypes: ["netdev"], interfaceTypes: ["dpdkvhostuserclient", "internal"],
                                dpdkInitialized: true, dpdkVersion: "DPDK 22.11.11"))
        _ = try await engine.define(xml: Self.hostOVS)
        _ = try await engine.start("lan")
        let port = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "vm", type: .vhostuser))
        #expect(port.type == .vhostuser)
        #expect(port.socketPath == "/run/test/vhu/\(port.device).sock")
        let row = try #require(ovs.port(port.device))
        #expect(row.interfaceType == "dpdkvhostuserclient")
        #expect(row.options == ["vhost-server-path": "/run/test/vhu/\(port.device).sock"])
        #expect(!kernel.calls.contains { $0.hasPrefix("createTap") })
        // Another port cannot take the same socket.
        await #expect(throws: PatchbayError.self) {
            _ = try await engine.createPort(network: "lan", CreatePortRequest(ownerName: "vm2", type: .vhostuser, socketPath: port.socketPath))
        }
        try await engine.deletePort(network: "lan", uuid: port.uuid)
        #expect(ovs.port(port.device) == nil)
    }
}
