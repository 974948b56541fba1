import Logging
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// One engine per test, on the fake kernel, the in-memory store and recording fakes of the
/// firewall and services.
@Suite struct NetworkEngineTests {
    let kernel = KernelRecorder()
    let store: any PatchbayStore = InMemoryStore()
    let firewall = RecordingFirewall()
    let services = RecordingServices()
    let engine: NetworkEngine

    init() {
        engine = NetworkEngine(store: store, links: kernel, services: services, firewall: firewall, logger: Logger(label: "test"))
    }

    static let minimal = """
        <network>
          <name>lab</name>
          <ip address='10.77.0.1' prefix='24'/>
        </network>
        """

    @Test func defineKeepsGivenValuesAndFillsLibvirtDefaults() async throws {
        let summary = try await engine.define(xml: try Conformance.input("isolated-network"))
        #expect(summary == NetworkSummary(name: "private", uuid: "81ff0d90-c91e-6742-64da-4a736edb9a9b", active: false,
                                          persistent: true, autostart: false, bridge: "virbr2"))
        let xml = try await engine.xml("private", inactive: false)
        #expect(xml.contains("<bridge name='virbr2' stp='on' delay='0'/>"))
        #expect(xml.contains("<mac address='52:54:00:17:3f:37'/>"))
        #expect(kernel.calls.isEmpty)
    }

    @Test func defineGeneratesUUIDBridgeAndMAC() async throws {
        kernel.preexisting("virbr0")
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))  // takes virbr2
        let summary = try await engine.define(xml: Self.minimal)
        #expect(summary.bridge == "virbr1")
        #expect(NetworkUUID(summary.uuid) != nil)
        let record = try #require(try await store.network(named: "lab"))
        #expect(Array(try #require(record.definition.mac).bytes.prefix(3)) == [0x52, 0x54, 0x00])
        #expect(try await engine.xml("lab", inactive: true).contains("<uuid>\(summary.uuid)</uuid>"))
        #expect(record.definition.interfaceAddresses == [InterfaceAddress("10.77.0.1/24")!])
    }

    @Test func bridgeTemplateIsFilledWithTheFirstFreeNumber() async throws {
        kernel.preexisting("lab0")
        let summary = try await engine.define(xml: "<network><name>t</name><bridge name='lab%d'/></network>")
        #expect(summary.bridge == "lab1")
    }

    @Test func duplicateNameWithAnotherUUIDIsRejectedAndNothingChanges() async throws {
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        let before = try await store.networks()
        let other = "<network><name>private</name><uuid>11111111-2222-3333-4444-555555555555</uuid></network>"
        let error = await #expect(throws: PatchbayError.self) { try await engine.define(xml: other) }
        #expect(error?.code == .alreadyExists)
        #expect(error?.message == "network 'private' already exists with UUID 81ff0d90-c91e-6742-64da-4a736edb9a9b")
        let noUUID = await #expect(throws: PatchbayError.self) { try await engine.define(xml: "<network><name>private</name></network>") }
        #expect(noUUID?.code == .alreadyExists)
        #expect(try await store.networks() == before)
    }

    @Test func sameUUIDUnderAnotherNameIsRejected() async throws {
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        let xml = "<network><name>copy</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid></network>"
        let error = await #expect(throws: PatchbayError.self) { try await engine.define(xml: xml) }
        #expect(error?.code == .alreadyExists)
        #expect(try await store.network(named: "copy") == nil)
    }

    @Test func redefiningWithTheSameUUIDUpdatesTheDefinition() async throws {
        let original = try Conformance.input("isolated-network")
        _ = try await engine.define(xml: original)
        _ = try await engine.define(xml: original.replacingOccurrences(of: "192.168.152.1", with: "192.168.153.1")
            .replacingOccurrences(of: "192.168.152.2", with: "192.168.153.2").replacingOccurrences(of: "192.168.152.254", with: "192.168.153.254"))
        #expect(try await store.network(named: "private")?.definition.interfaceAddresses == [InterfaceAddress("192.168.153.1/24")!])
    }

    @Test(arguments: [
        ("<network>", "malformed XML"),
        ("<domain><name>x</name></domain>", "the root element must be <network>"),
        ("<network><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid></network>", "missing network name"),
        ("<network><name>a/b</name></network>", "cannot contain '/'"),
        ("<network><name>x</name><ip address='10.0.0.300' prefix='24'/></network>", "<ip> attribute 'address' value '10.0.0.300': invalid address"),
        ("<network><name>x</name><bridge name='this-name-is-too-long'/></network>", "invalid bridge name"),
        ("<network><name>x</name><bridge stp='maybe'/></network>", "<bridge> attribute 'stp' value 'maybe'"),
        ("<network><name>x</name><forward mode='tunnel'/></network>", "<forward> attribute 'mode' value 'tunnel'"),
        ("<network><name>x</name><mac address='01:00:5e:00:00:01'/></network>", "invalid multicast bridge mac address"),
        ("<network><name>x</name><ip address='10.0.0.1' netmask='255.0.255.0'/></network>", "not a contiguous IPv4 netmask"),
        // B-L9: a name the kernel takes but nft rules could not quote is refused at define.
        ("<network><name>x</name><bridge name='br\"x'/></network>", "cannot be used in firewall rules"),
    ])
    func invalidDefinitionsAreRejectedClearly(_ xml: String, _ expected: String) async throws {
        let error = await #expect(throws: PatchbayError.self) { try await engine.define(xml: xml) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "no error")")
        #expect(try await store.networks().isEmpty)
    }

    @Test func startCreatesBridgeAddressesThenUpInLibvirtsOrder() async throws {
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        let summary = try await engine.start("private")
        #expect(summary.active)
        // Created under a temporary name, tagged, and only then given its name.
        #expect(kernel.calls == ["createBridge TEMP", "setAlias TEMP", "rename TEMP virbr2", "disableTxChecksumOffload virbr2",
                                 "addAddress 192.168.152.1/24 virbr2", "set virbr2 up"])
        let bridge = try #require(kernel.snapshot(named: "virbr2"))
        #expect(bridge.isUp)
        #expect(bridge.alias == "patchbay:network:81ff0d90-c91e-6742-64da-4a736edb9a9b")
        #expect(firewall.applied.networks["private"]?.mode == .isolated)
        #expect(services.running["private"] != nil)
        #expect(try await store.network(named: "private")?.intent == nil)
        let again = await #expect(throws: PatchbayError.self) { try await engine.start("private") }
        #expect(again?.code == .operationInvalid)
    }

    @Test func aFailureMidwayLeavesNothingBehind() async throws {
        _ = try await engine.define(xml: try Conformance.input("nat-network").replacingOccurrences(of: "<forward mode=\"nat\" dev=\"eth1\"/>", with: ""))
        kernel.failOn("addAddress 2001:db8:ac10:fe01::1/64 virbr0")
        let error = await #expect(throws: PatchbayError.self) { try await engine.start("default") }
        #expect(error?.code == .kernel)
        #expect(error?.message.hasPrefix("cannot start network 'default'") == true)
        #expect(kernel.linkNamesNow.isEmpty)
        #expect(kernel.calls.last == "deleteLink virbr0")
        let record = try #require(try await store.network(named: "default"))
        #expect(!record.active)
        #expect(record.intent == nil)
        #expect(firewall.applied.networks.isEmpty)
    }

    @Test func startRefusesToTakeOverAnExistingDevice() async throws {
        kernel.preexisting("virbr2")
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        let error = await #expect(throws: PatchbayError.self) { try await engine.start("private") }
        #expect(error?.message.contains("a device named 'virbr2' already exists") == true)
        #expect(kernel.snapshot(named: "virbr2")?.kind == "dummy")
        #expect(try await store.network(named: "private")?.intent == nil)
    }

    @Test func startingUnknownOrUnsupportedNetworksFailsClearly() async throws {
        let unknown = await #expect(throws: PatchbayError.self) { try await engine.start("nope") }
        #expect(unknown?.code == .notFound)
        #expect(unknown?.message == "network 'nope' not found")
        _ = try await engine.define(xml: "<network><name>host</name><forward mode='bridge'/><bridge name='br0'/></network>")
        // A host bridge that is not there: refused, and the network stays inactive with no intent.
        let bridged = await #expect(throws: PatchbayError.self) { try await engine.start("host") }
        #expect(bridged?.code == .notFound)
        #expect(bridged?.message.contains("the host bridge 'br0', which does not exist") == true)
        #expect(try await store.network(named: "host")?.active == false)
        #expect(try await store.network(named: "host")?.intent == nil)
        #expect(kernel.linkNamesNow.isEmpty)
    }

    @Test func destroyRemovesTheBridge() async throws {
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        _ = try await engine.start("private")
        let summary = try await engine.destroy("private")
        #expect(summary?.active == false)
        #expect(kernel.linkNamesNow.isEmpty)
        let again = await #expect(throws: PatchbayError.self) { try await engine.destroy("private") }
        #expect(again?.code == .operationInvalid)
    }

    @Test func undefiningARunningNetworkMakesItTransientUntilDestroyed() async throws {
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        _ = try await engine.setAutostart("private", true)
        _ = try await engine.start("private")
        try await engine.undefine("private")
        let info = try await engine.info("private")
        #expect(info.active && !info.persistent && !info.autostart)
        let autostart = await #expect(throws: PatchbayError.self) { try await engine.setAutostart("private", true) }
        #expect(autostart?.code == .operationInvalid)
        #expect(try await engine.destroy("private") == nil)
        #expect(try await store.networks().isEmpty)
    }

    @Test func recoverLeavesAnIntactNetworkUntouched() async throws {
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        _ = try await engine.start("private")
        kernel.clearCalls()
        let report = await engine.recover()
        #expect(report == ["firewall: intact", "network private: intact"])
        #expect(kernel.calls.isEmpty)
    }

    @Test func recoverRepairsOnlyWhatDiffers() async throws {
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        _ = try await engine.start("private")
        kernel.removeAddress(InterfaceAddress("192.168.152.1/24")!, from: "virbr2")
        kernel.mutate("virbr2") { $0.isUp = false }
        kernel.clearCalls()
        _ = await engine.recover()
        #expect(kernel.calls == ["addAddress 192.168.152.1/24 virbr2", "set virbr2 up"])
    }

    @Test func recoverRecreatesAMissingBridgeAndAutostarts() async throws {
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        _ = try await engine.start("private")
        _ = try await engine.define(xml: Self.minimal)
        _ = try await engine.setAutostart("lab", true)
        kernel.vanish("virbr2")
        kernel.clearCalls()
        let report = await engine.recover()
        #expect(report.contains("network private: re-created missing bridge virbr2"))
        #expect(report.contains("network lab: autostarted"))
        #expect(try await engine.info("lab").active)
        #expect(kernel.linkNamesNow == ["virbr2", "virbr0"])
    }

    @Test func recoverMarksAnUnrecoverableNetworkInactive() async throws {
        _ = try await engine.define(xml: try Conformance.input("isolated-network"))
        _ = try await engine.start("private")
        kernel.vanish("virbr2")
        kernel.failOn("createBridge TEMP")
        let report = await engine.recover()
        #expect(report.contains { $0.hasPrefix("network private: inactive") })
        #expect(try await engine.info("private").active == false)
        #expect(firewall.applied.networks.isEmpty)
    }
}
