import Logging
import NFTables
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// Operations that overlap: every kernel call yields, so hundreds of requests on one engine really
/// interleave at every await, as they do in the daemon. Afterwards the store, the kernel, the
/// firewall and the services must agree, no update may be lost, and no two service starts of one
/// network may have run at once.
@Suite struct EngineConcurrencyTests {
    let kernel = KernelRecorder { _ in await Task.yield() }
    let store: any PatchbayStore = InMemoryStore()
    let firewall = RecordingFirewall()
    let services = RecordingServices()
    let engine: NetworkEngine

    init() {
        engine = NetworkEngine(store: store, links: kernel, services: services, firewall: firewall, logger: Logger(label: "test"))
    }

    static func xml(_ name: String, _ subnet: Int) -> String {
        """
        <network>
          <name>\(name)</name>
          <forward mode='nat'/>
          <bridge name='pbc\(subnet)'/>
          <ip address='10.\(subnet).0.1' netmask='255.255.255.0'>
            <dhcp><range start='10.\(subnet).0.100' end='10.\(subnet).0.200'/></dhcp>
          </ip>
        </network>
        """
    }

    static func host(_ subnet: Int, _ n: Int) -> (mac: String, xml: String) {
        let mac = String(format: "52:54:00:%02x:%02x:%02x", subnet, n / 256, n % 256)
        return (mac, "<host mac='\(mac)' ip='10.\(subnet).0.\(2 + n % 98)'/>")
    }

    enum Operation: CaseIterable { case start, destroy, update, autostart, portCreate, portDelete, forward }

    /// Runs `count` random operations over `networks`, `clients` at a time; returns the MACs of the
    /// host entries whose `--config` update succeeded, per network.
    func storm(_ networks: [(name: String, subnet: Int)], count: Int, clients: Int) async -> [String: [String]] {
        var generator = SystemRandomNumberGenerator()
        let plan = (0..<count).map { n in (n, networks[Int.random(in: 0..<networks.count, using: &generator)],
                                           Operation.allCases.randomElement(using: &generator)!) }
        var added: [String: [String]] = [:]
        for batch in stride(from: 0, to: plan.count, by: clients) {
            let slice = plan[batch..<min(batch + clients, plan.count)]
            let results = await withTaskGroup(of: (String, String?).self) { group in
                for (n, network, operation) in slice {
                    group.addTask { [engine, store] in
                        switch operation {
                        case .start: _ = try? await engine.start(network.name)
                        case .destroy: _ = try? await engine.destroy(network.name)
                        case .autostart: _ = try? await engine.setAutostart(network.name, n % 2 == 0)
                        case .update:
                            let host = Self.host(network.subnet, n)
                            let request = NetworkUpdateRequest(command: .add, section: .ipDHCPHost, xml: host.xml, scope: .config)
                            if (try? await engine.update(network.name, request)) != nil { return (network.name, host.mac) }
                        case .portCreate:
                            _ = try? await engine.createPort(network: network.name, CreatePortRequest(ownerName: "vm\(n)"))
                        case .portDelete:
                            if let port = try? await store.ports(network: network.name).first {
                                try? await engine.deletePort(network: network.name, uuid: port.uuid)
                            }
                        case .forward:
                            let forward = PortForward(network: network.name, transport: .tcp, hostPortStart: UInt16(1000 + n), hostPortEnd: UInt16(1000 + n),
                                                      guestAddress: IPv4Address("10.\(network.subnet).0.50")!, guestPort: nil)
                            _ = try? await engine.addPortForward(forward)
                        }
                        return (network.name, nil)
                    }
                }
                var results: [(String, String?)] = []
                for await result in group { results.append(result) }
                return results
            }
            for case let (network, mac?) in results { added[network, default: []].append(mac) }
        }
        return added
    }

    /// What must hold after any number of operations.
    func expectAgreement(_ networks: [(name: String, subnet: Int)], added: [String: [String]]) async throws {
        #expect(services.overlaps.isEmpty, "two starts of one network's services overlapped: \(services.overlaps)")
        for network in networks {
            let record = try #require(try await store.network(named: network.name))
            #expect(record.intent == nil, "\(network.name) was left with an intent")
            let hosts = Set(record.definition.ips.flatMap(\.dhcp.hosts).compactMap { $0.mac?.description })
            for mac in added[network.name] ?? [] { #expect(hosts.contains(mac), "the update adding \(mac) to \(network.name) was lost") }
            let bridge = kernel.snapshot(named: "pbc\(network.subnet)")
            if record.active {
                #expect(bridge?.tag == .network(record.definition.uuid))
                #expect(bridge?.isUp == true)
                #expect(services.running[network.name] != nil)
                #expect(firewall.applied.networks[network.name] != nil)
            } else {
                #expect(bridge == nil, "inactive \(network.name) left its bridge")
                #expect(services.running[network.name] == nil, "inactive \(network.name) kept its services")
                #expect(firewall.applied.networks[network.name] == nil, "inactive \(network.name) kept its rules")
            }
            let forwards = try await store.portForwards(network: network.name)
            #expect(Set(firewall.applied.portForwards[network.name] ?? []) == (record.active ? Set(forwards) : []))
        }
        // Every stored port has its own tagged device; no tagged port device lacks a record.
        let ports = try await store.ports()
        for port in ports {
            #expect(port.phase == nil)
            let device = try #require(kernel.snapshot(named: port.device), "port \(port.uuid) has no device")
            #expect(device.tag == .port(port.uuid))
        }
        let tagged = kernel.linkNamesNow.compactMap(kernel.snapshot(named:)).filter { if case .port? = $0.tag { true } else { false } }
        #expect(Set(tagged.map(\.name)) == Set(ports.map(\.device)))
        #expect(!kernel.linkNamesNow.contains { $0.hasPrefix("pbtmp") }, "a temporary device was left behind")
    }

    @Test func hundredsOfOverlappingRequestsOnOneNetwork() async throws {
        _ = try await engine.define(xml: Self.xml("one", 31))
        let added = await storm([("one", 31)], count: 300, clients: 8)
        try await expectAgreement([("one", 31)], added: added)
        #expect(!(added["one"] ?? []).isEmpty)
    }

    @Test func hundredsOfOverlappingRequestsOnManyNetworks() async throws {
        let networks = (40..<48).map { ("n\($0)", $0) }
        for (name, subnet) in networks { _ = try await engine.define(xml: Self.xml(name, subnet)) }
        let added = await storm(networks, count: 400, clients: 12)
        try await expectAgreement(networks, added: added)
    }

    /// The lost update of the review (B-H6): a redefine that arrives while a start awaits its
    /// services is not overwritten when the start finishes.
    @Test func aRedefineDuringAStartIsKept() async throws {
        _ = try await engine.define(xml: Self.xml("lab", 50))
        async let started = engine.start("lab")
        async let redefined = engine.define(xml: try engine.xml("lab", inactive: true)
            .replacingOccurrences(of: "10.50.0.200", with: "10.50.0.150"))
        _ = try await (started, redefined)
        let record = try #require(try await store.network(named: "lab"))
        #expect(record.active)
        #expect(record.definition.ips.first?.dhcp.ranges.first?.end == IPAddress("10.50.0.150"))
        #expect(record.live?.ips.first?.dhcp.ranges.first?.end == IPAddress("10.50.0.200"))
    }

    /// Two live updates at once: one services start at a time, and both changes are in.
    @Test func concurrentLiveUpdatesBothLand() async throws {
        _ = try await engine.define(xml: Self.xml("lab", 51))
        _ = try await engine.start("lab")
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<20 {
                group.addTask { [engine] in
                    let request = NetworkUpdateRequest(command: .add, section: .ipDHCPHost, xml: Self.host(51, n).xml, scope: .liveAndConfig)
                    _ = try? await engine.update("lab", request)
                }
            }
        }
        #expect(services.overlaps.isEmpty)
        let live = try #require(try await store.network(named: "lab")?.live)
        #expect(live.ips.first?.dhcp.hosts.count == 20)
        #expect(services.running["lab"]?.ips.first?.dhcp.hosts.count == 20)
    }
}
