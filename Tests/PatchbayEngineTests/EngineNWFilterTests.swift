import Logging
import NFTables
import NWFilter
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Synchronization
import Testing

/// The nwfilter tables as a record of what the engine asked for, by device.
final class RecordingNWFilterFirewall: NWFilterApplying {
    let state = Mutex<[String: NWFilterPortRuleset]>([:])
    let calls = Mutex(0)
    var applied: [String: NWFilterPortRuleset] { state.withLock { $0 } }

    func update(_ rulesets: [NWFilterPortRuleset], removing devices: [String]) async throws(PatchbayError) {
        calls.withLock { $0 += 1 }
        state.withLock { s in
            for device in devices { s[device] = nil }
            for ruleset in rulesets { s[ruleset.port.device] = ruleset }
        }
    }

    func restore(_ rulesets: [NWFilterPortRuleset]) async throws(PatchbayError) -> [String] {
        let before = applied
        state.withLock { $0 = Dictionary(rulesets.map { ($0.port.device, $0) }, uniquingKeysWith: { $1 }) }
        return rulesets.filter { before[$0.port.device] != $0 }.map(\.port.device)
    }

    func counters(device: String) async throws(PatchbayError) -> [NWFilterRuleStatistics] { [] }
}

/// The devices the engine asked to watch for a guest's first address.
final class RecordingLearner: NWFilterAddressLearning {
    let state = Mutex<[String: MACAddress]>([:])
    var watched: [String: MACAddress] { state.withLock { $0 } }
    func watch(device: String, mac: MACAddress) async { state.withLock { $0[device] = mac } }
    func stop(device: String) async { _ = state.withLock { $0.removeValue(forKey: device) } }
}

/// The engine's nwfilter driver over the in-memory store and a recording table: what is stored,
/// what reaches the tables, and that every refusal changes neither.
@Suite struct EngineNWFilterTests {
    let store: any PatchbayStore = InMemoryStore()
    let tables = RecordingNWFilterFirewall()
    let engine: NetworkEngine

    let learner = RecordingLearner()

    init() {
        engine = NetworkEngine(store: store, links: KernelRecorder(), firewall: RecordingFirewall(), nwfilter: tables,
                               addressLearner: learner, logger: Logger(label: "test"))
    }

    static func binding(_ device: String, filter: String = "clean-traffic", parameters: String = "<parameter name='IP' value='10.0.0.5'/>") -> String {
        """
        <filterbinding><owner><name>vm</name><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></owner>
        <portdev name='\(device)'/><mac address='52:54:00:00:00:05'/>
        <filterref filter='\(filter)'>\(parameters)</filterref></filterbinding>
        """
    }

    @Test func builtinsAreListedAndDumped() async throws {
        let filters = try await engine.nwfilters()
        #expect(filters.count == 24 && filters.allSatisfy { $0.origin == .builtin })
        #expect(try await engine.nwfilterXML(name: "no-mac-spoofing").hasPrefix("<filter name='no-mac-spoofing' chain='mac' priority='-800'>"))
        await #expect(throws: PatchbayError.self) { try await engine.nwfilterXML(name: "nope") }
    }

    @Test func aBindingReachesTheTablesAndGoes() async throws {
        let summary = try await engine.createNWFilterBinding(xml: Self.binding("vnet3"))
        #expect(summary.state == .active && summary.rules > 10)
        #expect(tables.applied["vnet3"]?.port.ipv4 == [IPv4Address("10.0.0.5")!])
        #expect(try await engine.nwfilterBindings().map(\.portDevice) == ["vnet3"])
        #expect(try await engine.nwfilterBindingXML(device: "vnet3").contains("<portdev name='vnet3'/>"))
        let again = await #expect(throws: PatchbayError.self) { try await engine.createNWFilterBinding(xml: Self.binding("vnet3")) }
        #expect(again?.code == .alreadyExists)
        try await engine.deleteNWFilterBinding(device: "vnet3")
        #expect(tables.applied.isEmpty)
        #expect(try await store.nwfilterBindings().isEmpty)
    }

    @Test func withoutAnAddressThePortIsLearning() async throws {
        let summary = try await engine.createNWFilterBinding(xml: Self.binding("vnet4", parameters: "<parameter name='CTRL_IP_LEARNING' value='dhcp'/>"))
        #expect(summary.state == .learning)
        let rules = tables.applied["vnet4"]?.bridgeChains.flatMap(\.rules) ?? []
        #expect(rules.contains { $0.contains("th sport 68 th dport 67") })
        #expect(rules.last?.contains("drop") == true)
        #expect(learner.watched.isEmpty)
    }

    /// libvirt's default, CTRL_IP_LEARNING=any, where Patchbay serves no DHCP: basic rules (its
    /// own MAC, IPv4 and ARP only) while the learner watches; the address it reports becomes
    /// `$IP`, stored, and the watch ends.
    @Test func anAddressIsLearntFromTraffic() async throws {
        let summary = try await engine.createNWFilterBinding(xml: Self.binding("vnet10", parameters: ""))
        #expect(summary.state == .learning)
        #expect(learner.watched == ["vnet10": MACAddress("52:54:00:00:00:05")!])
        let rules = tables.applied["vnet10"]?.bridgeChains.flatMap(\.rules) ?? []
        #expect(rules.contains { $0.contains("ether saddr != 52:54:00:00:00:05") && $0.hasSuffix("drop comment \"patchbay-traffic-learning -500\"") })
        #expect(rules.contains { $0.contains("ether type 0x0806") && $0.contains("accept") })
        await engine.nwfilterAddressLearned(device: "vnet10", address: IPv4Address("10.0.0.77")!)
        #expect(try await engine.nwfilterBindings().first?.state == .active)
        #expect(tables.applied["vnet10"]?.port.ipv4 == [IPv4Address("10.0.0.77")!])
        #expect(try await store.nwfilterBinding(device: "vnet10")?.learnedIPv4 == IPv4Address("10.0.0.77"))
        #expect(learner.watched.isEmpty)
        // A second report changes nothing; a mode libvirt does not have is refused.
        await engine.nwfilterAddressLearned(device: "vnet10", address: IPv4Address("10.0.0.78")!)
        #expect(tables.applied["vnet10"]?.port.ipv4 == [IPv4Address("10.0.0.77")!])
        let bad = await #expect(throws: PatchbayError.self) {
            try await engine.createNWFilterBinding(xml: Self.binding("vnet11", parameters: "<parameter name='CTRL_IP_LEARNING' value='sniff'/>"))
        }
        #expect(bad?.message.contains("CTRL_IP_LEARNING must be any, dhcp or none, not 'sniff'") == true)
    }

    @Test func aRedefinitionChangesThePortsThatUseIt() async throws {
        try await engine.defineNWFilter(xml: "<filter name='web'><rule action='accept' direction='in'><tcp dstportstart='80'/></rule></filter>")
        _ = try await engine.createNWFilterBinding(xml: Self.binding("vnet5", filter: "web"))
        _ = try await engine.createNWFilterBinding(xml: Self.binding("vnet6"))
        let other = tables.applied["vnet6"]
        #expect(tables.applied["vnet5"]?.inetChains.first { $0.name == "i-vnet5" }?.rules.first?.contains("th dport 80") == true)
        let uuid = try #require(try await store.nwfilter(named: "web")?.uuid)
        try await engine.defineNWFilter(xml: "<filter name='web'><rule action='accept' direction='in'><tcp dstportstart='443'/></rule></filter>")
        #expect(try await store.nwfilter(named: "web")?.uuid == uuid)
        #expect(tables.applied["vnet5"]?.inetChains.first { $0.name == "i-vnet5" }?.rules.first?.contains("th dport 443") == true)
        #expect(tables.applied["vnet6"] == other)
        #expect(try await engine.nwfilters().first { $0.name == "web" }?.bindings == 1)
    }

    @Test func refusalsChangeNothing() async throws {
        try await engine.defineNWFilter(xml: "<filter name='a'><filterref filter='b'/></filter>")
        try await engine.defineNWFilter(xml: "<filter name='port'><rule action='accept' direction='in'><tcp dstportstart='$PORT'/></rule></filter>")
        _ = try await engine.createNWFilterBinding(xml: Self.binding("vnet7", filter: "port", parameters: "<parameter name='PORT' value='22'/>"))
        let before = tables.applied
        let stored = try await store.nwfilters()
        // A loop, a value that no longer fits a bound port, a bad document, a binding to a
        // missing filter or without a variable's value, the removal of what is in use.
        let loop = await #expect(throws: PatchbayError.self) { try await engine.defineNWFilter(xml: "<filter name='b'><filterref filter='a'/></filter>") }
        #expect(loop?.message.contains("b → a → b") == true)
        let breaks = await #expect(throws: PatchbayError.self) {
            try await engine.defineNWFilter(xml: "<filter name='port'><rule action='accept' direction='in'><icmp type='$PORT'/><icmp code='$CODE'/></rule></filter>")
        }
        #expect(breaks?.message.contains("vnet7") == true)
        await #expect(throws: PatchbayError.self) { try await engine.defineNWFilter(xml: "<filter name='x'><rule action='permit' direction='in'/></filter>") }
        let missing = await #expect(throws: PatchbayError.self) { try await engine.createNWFilterBinding(xml: Self.binding("vnet8", filter: "a")) }
        #expect(missing?.message.contains("filter 'b'") == true)
        let variable = await #expect(throws: PatchbayError.self) {
            try await engine.createNWFilterBinding(xml: Self.binding("vnet9", filter: "port", parameters: ""))
        }
        #expect(variable?.message.contains("variable 'PORT'") == true)
        let used = await #expect(throws: PatchbayError.self) { try await engine.undefineNWFilter(name: "port") }
        #expect(used?.code == .operationInvalid)
        await #expect(throws: PatchbayError.self) { try await engine.undefineNWFilter(name: "clean-traffic") }
        let duplicate = await #expect(throws: PatchbayError.self) {
            try await engine.defineNWFilter(xml: "<filter name='a'><uuid>d54df46f-1ab5-4a22-8618-4560ef5fac2c</uuid></filter>")
        }
        #expect(duplicate?.code == .alreadyExists)
        #expect(tables.applied == before)
        #expect(try await store.nwfilters() == stored)
        #expect(try await store.nwfilterBindings().map(\.device) == ["vnet7"])
    }

    @Test func anOverrideOfABuiltinCanGoAgain() async throws {
        try await engine.defineNWFilter(xml: "<filter name='allow-arp' chain='arp'><rule action='drop' direction='inout'/></filter>")
        #expect(try await engine.nwfilters().first { $0.name == "allow-arp" }?.origin == .defined)
        try await engine.undefineNWFilter(name: "allow-arp")
        #expect(try await engine.nwfilters().first { $0.name == "allow-arp" }?.origin == .builtin)
    }

    @Test func recoveryRestoresEveryBinding() async throws {
        _ = try await engine.createNWFilterBinding(xml: Self.binding("vnet10"))
        let restarted = RecordingNWFilterFirewall()
        let next = NetworkEngine(store: store, links: KernelRecorder(), firewall: RecordingFirewall(), nwfilter: restarted, logger: Logger(label: "test"))
        let report = await next.recover()
        #expect(report.contains("nwfilter: 1 bound port, 1 re-applied"))
        #expect(restarted.applied["vnet10"] == tables.applied["vnet10"])
    }
}
