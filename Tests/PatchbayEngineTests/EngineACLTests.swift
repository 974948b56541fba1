import Logging
import NWFilter
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// ACLs in the engine: what reaches the tables for ports made before and after, with and
/// without a filter binding, as leases come, at restart, and that every refusal changes nothing.
@Suite struct EngineACLTests {
    let store: any PatchbayStore = InMemoryStore()
    let tables = RecordingNWFilterFirewall()
    let kernel = KernelRecorder()
    let engine: NetworkEngine

    init() {
        engine = Self.engine(store: store, kernel: kernel, tables: tables)
    }

    static func engine(store: any PatchbayStore, kernel: KernelRecorder, tables: RecordingNWFilterFirewall) -> NetworkEngine {
        NetworkEngine(store: store, links: kernel, firewall: RecordingFirewall(), nwfilter: tables, logger: Logger(label: "test"))
    }

    static let xml = """
        <network><name>lab</name><bridge name='pbacl0'/><ip address='10.63.0.1' prefix='24'/>
        <portgroup name='web'/><portgroup name='db'/></network>
        """

    func start() async throws {
        _ = try await engine.define(xml: Self.xml)
        _ = try await engine.start("lab")
    }

    static func acl(_ name: String, ingress: [String] = [], egress: [String] = [], attachments: [ACLAttachment]) throws -> NetworkACL {
        NetworkACL(name: name, ingress: try ingress.map(ACLRuleText.parse), egress: try egress.map(ACLRuleText.parse), attachments: attachments)
    }

    func inet(_ device: String, _ chain: String) -> [String] {
        tables.applied[device]?.inetChains.first { $0.name == chain }?.rules ?? []
    }

    @Test func portsBeforeAndAfterGetTheRulesAndLoseThem() async throws {
        try await start()
        let before = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm0"))
        #expect(tables.applied.isEmpty)
        try await engine.defineACL(try Self.acl("no-ssh", ingress: ["drop tcp dport 22"], attachments: [ACLAttachment(network: "lab")]))
        #expect(inet(before.device, "ai-\(before.device)").contains(#"tcp dport 22 counter drop comment "acl no-ssh ingress 1""#))
        let after = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm1"))
        #expect(inet(after.device, "i-\(after.device)") == ["jump ai-\(after.device)", "accept"])
        #expect(tables.applied[before.device]?.port.id != tables.applied[after.device]?.port.id)
        #expect(try await engine.acls().map(\.ports) == [2])
        let details = try await engine.aclDetails(name: "no-ssh")
        #expect(details.ports == [before.device, after.device].sorted() && details.counters.map(\.rule) == ["drop tcp dport 22"])
        try await engine.deletePort(network: "lab", uuid: after.uuid)
        #expect(tables.applied[after.device] == nil)
        try await engine.deleteACL(name: "no-ssh")
        #expect(tables.applied.isEmpty)
        #expect(try await store.acls().isEmpty)
    }

    @Test func portgroupAndPortAttachmentsCoverOnlyThem() async throws {
        try await start()
        let web = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "web", portGroup: "web"))
        let db = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "db", portGroup: "db"))
        try await engine.defineACL(try Self.acl("web-only", ingress: ["allow tcp dport 80"], attachments: [ACLAttachment(network: "lab", portgroup: "web")]))
        #expect(tables.applied[web.device] != nil && tables.applied[db.device] == nil)
        try await engine.defineACL(try Self.acl("web-only", ingress: ["allow tcp dport 80"], attachments: [ACLAttachment(port: db.uuid)]))
        #expect(tables.applied[web.device] == nil && tables.applied[db.device] != nil)
    }

    @Test func leasesFillTheSelectorsAndThePortsAddresses() async throws {
        try await start()
        let a = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "a"))
        let b = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "b"))
        try await engine.defineACL(try Self.acl("iso", egress: ["drop to @guests", "allow to @owner:b"], attachments: [ACLAttachment(network: "lab")]))
        // No lease yet: @guests and @owner:b stand for nothing, so neither rule is there.
        #expect(!inet(a.device, "ao-\(a.device)").contains { $0.contains("acl iso egress") })
        try await store.apply(upserts: [DHCPLease(network: "lab", mac: b.mac, ip: IPv4Address("10.63.0.20")!, expiresAt: nil)], deletions: [])
        await engine.nwfilterLeasesChanged(network: "lab", macs: [b.mac])
        #expect(inet(a.device, "ao-\(a.device)").contains(#"ip daddr 10.63.0.20 counter drop comment "acl iso egress 1""#))
        #expect(inet(a.device, "ao-\(a.device)").contains(#"ip daddr 10.63.0.20 counter return comment "acl iso egress 2""#))
        // Routed and host traffic finds b by its address.
        #expect(tables.applied[b.device]?.port.ipv4 == [IPv4Address("10.63.0.20")!])
    }

    @Test func aBindingAndAnACLShareThePortsChains() async throws {
        try await start()
        var request = CreatePortRequest(ownerName: "vm")
        request.filter = "clean-traffic"
        request.filterParameters = ["IP": ["10.63.0.9"]]
        let port = try await engine.createPort(network: "lab", request)
        let id = try #require(tables.applied[port.device]?.port.id)
        try await engine.defineACL(try Self.acl("no-rdp", ingress: ["drop tcp dport 3389"], attachments: [ACLAttachment(network: "lab")]))
        #expect(tables.applied[port.device]?.port.id == id)
        #expect(inet(port.device, "i-\(port.device)").first == "jump ai-\(port.device)")
        // Without its binding the port keeps its ACL.
        try await engine.deleteNWFilterBinding(device: port.device)
        #expect(inet(port.device, "i-\(port.device)") == ["jump ai-\(port.device)", "accept"])
    }

    @Test func aRestartRestoresTheACLsRules() async throws {
        try await start()
        let port = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm"))
        try await engine.defineACL(try Self.acl("no-ssh", ingress: ["drop tcp dport 22"], attachments: [ACLAttachment(network: "lab")]))
        let applied = tables.applied
        let restarted = Self.engine(store: store, kernel: kernel, tables: tables)
        let report = await restarted.recover()
        #expect(report.contains { $0.contains("1 more with ACLs only, 0 re-applied") })
        #expect(tables.applied == applied && applied[port.device] != nil)
    }

    @Test func refusalsChangeNothing() async throws {
        try await start()
        let port = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm"))
        try await engine.defineACL(try Self.acl("keep", ingress: ["drop tcp dport 22"], attachments: [ACLAttachment(network: "lab")]))
        let applied = tables.applied, stored = try await store.acls()
        let cases: [(NetworkACL, String)] = [
            (try Self.acl("keep", attachments: [ACLAttachment(network: "nope")]), "network 'nope', which does not exist"),
            (try Self.acl("x", attachments: [ACLAttachment(network: "lab", portgroup: "mail")]), "portgroup 'mail', which network 'lab' does not have"),
            (try Self.acl("x", attachments: [ACLAttachment(port: NetworkUUID.random())]), "which does not exist"),
            (try Self.acl("x", attachments: [ACLAttachment(network: "lab", port: port.uuid)]), "not both"),
            (try Self.acl("x", attachments: [ACLAttachment(network: "lab"), ACLAttachment(network: "lab")]), "twice"),
            (NetworkACL(name: "bad name"), "ACL name 'bad name'"),
            (NetworkACL(name: "x", ingress: [ACLRule(action: .drop, destinationPorts: [ACLPortRange(first: 22, last: 22)!])]), "ingress rule 1"),
        ]
        for (acl, message) in cases {
            let error = await #expect(throws: PatchbayError.self) { try await engine.defineACL(acl) }
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "") lacks \(message)")
        }
        await #expect(throws: PatchbayError.self) { try await engine.deleteACL(name: "nope") }
        await #expect(throws: PatchbayError.self) { try await engine.aclDetails(name: "nope") }
        #expect(tables.applied == applied)
        #expect(try await store.acls() == stored)
    }
}
