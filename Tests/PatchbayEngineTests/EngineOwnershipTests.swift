import Logging
import NFTables
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// Kernel objects are Patchbay's only when they carry its tag: a same-named bridge of libvirt's or
/// a TAP that reuses a stale port's name is never adopted, enslaved or deleted.
@Suite struct EngineOwnershipTests {
    let kernel = KernelRecorder()
    let store: any PatchbayStore = InMemoryStore()
    let firewall = RecordingFirewall()
    let services = RecordingServices()
    let engine: NetworkEngine

    init() {
        engine = NetworkEngine(store: store, links: kernel, services: services, firewall: firewall, logger: Logger(label: "test"))
    }

    static let xml = "<network><name>lab</name><bridge name='pbown0'/><ip address='10.61.0.1' prefix='24'/></network>"

    /// libvirt made `pbown0` while patchbayd was down: the network is marked inactive and the
    /// bridge is not touched.
    @Test func reconcileNeverAdoptsSomeoneElsesBridge() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
        kernel.vanish("pbown0")
        kernel.preexisting("pbown0", kind: "bridge")
        kernel.clearCalls()
        let report = await engine.recover()
        #expect(report.contains { $0.contains("network lab: inactive") && $0.contains("not Patchbay's") }, "\(report)")
        #expect(try await store.network(named: "lab")?.active == false)
        #expect(kernel.snapshot(named: "pbown0") != nil)
        #expect(!kernel.calls.contains { $0.contains("pbown0") }, "\(kernel.calls)")
        #expect(firewall.applied.networks.isEmpty)
        // net-start refuses to take it over, and destroy never deleted it.
        let start = await #expect(throws: PatchbayError.self) { try await engine.start("lab") }
        #expect(start?.message.contains("is not this network's") == true)
    }

    /// A bridge this network left behind (tagged) does not block the next start.
    @Test func anOrphanOfThisNetworkIsReplacedAtStart() async throws {
        _ = try await engine.define(xml: Self.xml)
        let uuid = try #require(try await store.network(named: "lab")?.definition.uuid)
        kernel.preexisting("pbown0", kind: "bridge", alias: OwnershipTag.network(uuid).description)
        _ = try await engine.start("lab")
        #expect(kernel.snapshot(named: "pbown0")?.tag == .network(uuid))
    }

    /// A network started by a version without tags: its bridge is adopted once and tagged.
    @Test func aLegacyBridgeIsTaggedOnce() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
        try await store.update(try #require(try await store.network(named: "lab")).with { $0.legacyUntagged = true })
        kernel.mutate("pbown0") { $0.alias = nil }
        let report = await engine.recover()
        #expect(report.contains { $0.contains("tagged pbown0") }, "\(report)")
        let record = try #require(try await store.network(named: "lab"))
        #expect(!record.legacyUntagged && record.active)
        #expect(kernel.snapshot(named: "pbown0")?.tag == .network(record.definition.uuid))
    }

    /// B-H3: a veth port whose namespace died leaves a stale record; a device of the same name
    /// made by someone else is neither put on the bridge nor deleted, and the sweep drops the
    /// stale record.
    @Test func aStalePortNeverTakesAnotherDevice() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
        kernel.addNamespace("ct")
        let port = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "ct", type: .veth, namespace: "ct"))
        kernel.vanish(port.device)
        let intruder = kernel.preexisting(port.device, kind: "veth")
        kernel.clearCalls()
        _ = try await engine.destroy("lab")
        _ = try await engine.start("lab")
        #expect(!kernel.calls.contains("setMaster \(port.device) pbown0"), "\(kernel.calls)")
        #expect(try await engine.ports(network: "lab").isEmpty)
        #expect(try await kernel.link(index: intruder) != nil)
        // A new port gets a fresh name, not the intruder's.
        let next = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm"))
        #expect(next.device != port.device)
    }

    /// B-M11: QEMU closed vnetN and another QEMU got vnetN again within the sweep's second: the
    /// stale record is replaced, not refused, and deleting it later does not touch the new TAP.
    @Test func anAdoptedNameTheKernelReusedReplacesTheStaleRecord() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
        kernel.preexisting("vnet7", kind: "tun")
        let first = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm1", mac: MACAddress("52:54:00:61:00:01"), device: "vnet7"))
        kernel.vanish("vnet7")
        kernel.preexisting("vnet7", kind: "tun")
        let second = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm2", mac: MACAddress("52:54:00:61:00:02"), device: "vnet7"))
        let ports = try await engine.ports(network: "lab")
        #expect(ports.map(\.uuid) == [second.uuid])
        #expect(ports.first?.state == .forwarding)
        #expect(first.interfaceIndex != second.interfaceIndex)
        // The same TAP twice is refused.
        let again = await #expect(throws: PatchbayError.self) {
            try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm3", device: "vnet7"))
        }
        #expect(again?.code == .alreadyExists)
        // The sweep keeps the live one and drops a port whose TAP went.
        #expect(await engine.sweepVanishedPorts().isEmpty)
        kernel.vanish("vnet7")
        #expect(await engine.sweepVanishedPorts().map(\.uuid) == [second.uuid])
    }

    /// B-M4: a start whose firewall step fails leaves nothing running, nothing in the kernel and
    /// no rules; a destroy removes the rules before the bridge goes.
    @Test func aFailedFirewallStepUndoesTheStart() async throws {
        _ = try await engine.define(xml: Self.xml)
        firewall.failNextApply()
        let error = await #expect(throws: PatchbayError.self) { try await engine.start("lab") }
        #expect(error?.message == "injected firewall failure")
        #expect(kernel.snapshot(named: "pbown0") == nil)
        #expect(services.running.isEmpty)
        #expect(try await store.network(named: "lab")?.intent == nil)
        _ = try await engine.start("lab")
        #expect(firewall.applied.networks["lab"]?.mode == .isolated)
    }

    /// B-M4: a live update whose services cannot take it changes nothing stored.
    @Test func aLiveUpdateTheServicesRefuseIsNotStored() async throws {
        _ = try await engine.define(xml: Self.xml.replacingOccurrences(of: "prefix='24'/>",
                                                                        with: "prefix='24'><dhcp><range start='10.61.0.100' end='10.61.0.200'/></dhcp></ip>"))
        _ = try await engine.start("lab")
        services.fail(for: "lab")
        let request = NetworkUpdateRequest(command: .add, section: .ipDHCPHost, xml: "<host mac='52:54:00:61:00:09' ip='10.61.0.9'/>",
                                           scope: .liveAndConfig)
        await #expect(throws: PatchbayError.self) { try await engine.update("lab", request) }
        let record = try #require(try await store.network(named: "lab"))
        #expect(record.live?.ips.first?.dhcp.hosts.isEmpty == true)
        #expect(record.definition.ips.first?.dhcp.hosts.isEmpty == true)
    }
}

extension NetworkRecord {
    func with(_ change: (inout NetworkRecord) -> Void) -> NetworkRecord {
        var copy = self
        change(&copy)
        return copy
    }
}
