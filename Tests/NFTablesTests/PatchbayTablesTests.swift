import Foundation
import LibvirtXML
import NFTables
import PatchbayModel
import Testing

/// The commands Patchbay gives nft for each mode, as libvirt's firewall documents the modes.
@Suite struct PatchbayTablesTests {
    static func network(_ xml: String) throws -> FirewallNetwork {
        try #require(try FirewallNetwork(definition: NetworkXML.read(xml).definition))
    }

    static let nat = """
        <network>
          <name>default</name>
          <forward mode='nat' dev='eth0'>
            <nat><address start='198.51.100.10' end='198.51.100.20'/><port start='2000' end='3000'/></nat>
          </forward>
          <bridge name='virbr0'/>
          <ip address='192.168.122.1' netmask='255.255.255.0'/>
          <ip family='ipv6' address='fd00:122::1' prefix='64'/>
        </network>
        """

    /// `<port isolated='yes'/>`: what one guest routes to another through the host is dropped,
    /// where libvirt's LIBVIRT_FWX (and a network without isolation here) accepts it.
    @Test func isolatedPortsCannotMeetThroughTheHost() throws {
        let isolated = try Self.network(Self.nat.replacingOccurrences(
            of: "<bridge name='virbr0'/>", with: "<bridge name='virbr0'/><mac address='52:54:00:0a:0b:0c'/><port isolated='yes'/>"))
        #expect(isolated.isolatedGatewayMAC == MACAddress("52:54:00:0a:0b:0c"))
        let rules = PatchbayTables.add(isolated).filter { $0.hasPrefix("add rule inet patchbay out_virbr0") }
        // First, and only for what was addressed to the gateway: bridged traffic still passes.
        #expect(rules.first == "add rule inet patchbay out_virbr0 oifname \"virbr0\" ether daddr 52:54:00:0a:0b:0c drop")
        #expect(rules.contains("add rule inet patchbay out_virbr0 oifname \"virbr0\" accept"))
        #expect(isolated != (try Self.network(Self.nat)))
        #expect((try Self.network(Self.nat)).isolatedGatewayMAC == nil)
    }

    @Test func natRulesFollowLibvirt() throws {
        let forward = PortForward(network: "default", transport: .tcp, hostPortStart: 8080, hostPortEnd: 8080,
                                  guestAddress: IPv4Address("192.168.122.10")!, guestPort: 80)
        let network = try Self.network(Self.nat)
        let commands = PatchbayTables.add(network)
        #expect(commands.contains("add rule inet patchbay out_virbr0 oifname \"virbr0\" accept"))
        #expect(commands.contains("add rule inet patchbay out_virbr0 ip saddr 192.168.122.0/24 oifname \"eth0\" accept"))
        #expect(commands.contains("add rule inet patchbay out_virbr0 ip6 saddr fd00:122::/64 oifname \"eth0\" accept"))
        #expect(commands.contains("add rule inet patchbay in_virbr0 ip daddr 192.168.122.0/24 iifname \"eth0\" ct state established,related accept"))
        #expect(commands.contains("add rule inet patchbay in_virbr0 ip daddr 192.168.122.0/24 ct status dnat accept"))
        #expect(commands.last(where: { $0.hasPrefix("add rule inet patchbay in_virbr0") }) == "add rule inet patchbay in_virbr0 reject with icmpx type port-unreachable")
        #expect(commands.contains("add rule ip patchbay_nat nat_virbr0 ip saddr 192.168.122.0/24 ip daddr 224.0.0.0/24 return"))
        #expect(commands.contains("add rule ip patchbay_nat nat_virbr0 ip saddr 192.168.122.0/24 ip daddr 255.255.255.255 return"))
        #expect(commands.contains("add rule ip patchbay_nat nat_virbr0 ip saddr 192.168.122.0/24 oifname \"eth0\" meta l4proto { tcp, udp } snat to 198.51.100.10-198.51.100.20:2000-3000"))
        #expect(commands.contains("add element ip patchbay_nat nat_sources { 192.168.122.0/24 : jump nat_virbr0 }"))
        #expect(commands.contains("add element inet patchbay from_bridge { \"virbr0\" : jump out_virbr0 }"))
        #expect(PatchbayTables.portForwards(FirewallState(networks: [network], portForwards: [forward], coexistence: false)) == [
            "flush chain ip patchbay_nat port_forwards",
            "add rule ip patchbay_nat port_forwards tcp dport 8080 dnat to 192.168.122.10:80",
        ])
    }

    @Test func defaultNATMasqueradesWithLibvirtsPortRange() throws {
        let xml = "<network><name>n</name><forward mode='nat'/><bridge name='br9'/><ip address='10.9.0.1' prefix='24'/></network>"
        let commands = PatchbayTables.add(try Self.network(xml))
        #expect(commands.contains("add rule ip patchbay_nat nat_br9 ip saddr 10.9.0.0/24 meta l4proto { tcp, udp } masquerade to :1024-65535"))
        #expect(commands.contains("add rule ip patchbay_nat nat_br9 ip saddr 10.9.0.0/24 masquerade"))
        #expect(commands.contains("add rule ip patchbay_nat nat_br9 ip saddr 10.9.0.0/24 ip daddr 10.9.0.0/24 ct status dnat masquerade"))
    }

    @Test func routeAndIsolated() throws {
        let route = PatchbayTables.add(try Self.network("<network><name>r</name><forward mode='route'/><bridge name='brr'/><ip address='10.8.0.1' prefix='24'/></network>"))
        #expect(route.contains("add rule inet patchbay in_brr ip daddr 10.8.0.0/24 accept"))
        #expect(!route.contains { $0.contains("patchbay_nat") })
        let isolated = PatchbayTables.add(try Self.network("<network><name>i</name><bridge name='bri'/><ip address='10.7.0.1' prefix='24'/></network>"))
        #expect(isolated.filter { $0.hasPrefix("add rule inet patchbay out_bri") } == [
            "add rule inet patchbay out_bri oifname \"bri\" accept",
            "add rule inet patchbay out_bri reject with icmpx type port-unreachable",
        ])
        #expect(isolated.filter { $0.hasPrefix("add rule inet patchbay in_bri") } == [
            "add rule inet patchbay in_bri reject with icmpx type port-unreachable",
        ])
    }

    @Test func openAndHostModesHaveNoFirewall() throws {
        #expect(try FirewallNetwork(definition: try NetworkXML.read("<network><name>o</name><forward mode='open'/><bridge name='bro'/><ip address='10.6.0.1' prefix='24'/></network>").definition) == nil)
        #expect(try FirewallNetwork(definition: try NetworkXML.read("<network><name>b</name><forward mode='bridge'/><bridge name='br0'/></network>").definition) == nil)
    }

    @Test func removalUndoesExactlyWhatAddDid() throws {
        let network = try Self.network(Self.nat)
        let removal = PatchbayTables.remove(network)
        #expect(removal.contains("delete element inet patchbay from_bridge { \"virbr0\" }"))
        #expect(removal.contains("delete chain ip patchbay_nat nat_virbr0"))
        #expect(removal.contains("delete element ip patchbay_nat nat_sources { 192.168.122.0/24 }"))
        #expect(PatchbayTables.rebuild(.empty) == PatchbayTables.removal)
        #expect(PatchbayTables.transaction(from: FirewallState(networks: [network], portForwards: [], coexistence: false), to: .empty)
                == PatchbayTables.removal)
    }

    /// Fail closed: forwarded traffic of a bridge Patchbay judges, for which no network chain
    /// answers (its map entry missing for whatever reason), is dropped, not accepted by the base
    /// chain's policy; and the set is rebuilt with every transaction.
    @Test func theBaseChainDropsWhatNoNetworkChainJudged() throws {
        let isolated = try Self.network("<network><name>i</name><bridge name='bri'/><ip address='10.7.0.1' prefix='24'/></network>")
        let nat = try Self.network(Self.nat)
        let base = PatchbayTables.base(bridges: FirewallState(networks: [isolated, nat], portForwards: [], coexistence: false).bridges)
        #expect(base.contains("flush set inet patchbay bridges"))
        #expect(base.contains("add element inet patchbay bridges { \"bri\", \"virbr0\" }"))
        let forward = base.filter { $0.hasPrefix("add rule inet patchbay forward") }
        #expect(forward == [
            "add rule inet patchbay forward iifname vmap @from_bridge",
            "add rule inet patchbay forward oifname vmap @to_bridge",
            "add rule inet patchbay forward iifname @bridges drop",
            "add rule inet patchbay forward oifname @bridges drop",
        ])
    }

    /// A change to one network's fragment touches that fragment only; the rebuild is one
    /// transaction that deletes and re-creates everything.
    @Test func transactionsChangeOnlyTheFragmentsThatDiffer() throws {
        let a = try Self.network("<network><name>a</name><bridge name='bra'/><ip address='10.1.0.1' prefix='24'/></network>")
        let b = try Self.network("<network><name>b</name><forward mode='nat'/><bridge name='brb'/><ip address='10.2.0.1' prefix='24'/></network>")
        let old = FirewallState(networks: [a, b], portForwards: [], coexistence: false)
        var changedB = b
        changedB.natPorts = (2000, 3000)
        let new = FirewallState(networks: [a, changedB], portForwards: [], coexistence: false)
        let commands = PatchbayTables.transaction(from: old, to: new)
        #expect(!commands.contains { $0.contains("out_bra") })
        #expect(commands.contains("delete chain ip patchbay_nat nat_brb"))
        #expect(commands.contains("add rule ip patchbay_nat nat_brb ip saddr 10.2.0.0/24 meta l4proto { tcp, udp } masquerade to :2000-3000"))
        let rebuild = PatchbayTables.rebuild(new)
        #expect(Array(rebuild.prefix(4)) == PatchbayTables.removal)
        #expect(rebuild.contains("add element inet patchbay from_bridge { \"bra\" : jump out_bra }"))
    }

    /// Port forwards are a fragment of their network: only nat networks' forwards, and only
    /// networks that run, get rules.
    @Test func portForwardsOfNetworksThatDoNotRunOrAreNotNATGetNoRules() throws {
        let nat = try Self.network(Self.nat)
        let isolated = try Self.network("<network><name>i</name><bridge name='bri'/><ip address='10.7.0.1' prefix='24'/></network>")
        func forward(_ network: String, _ port: UInt16) -> PortForward {
            PortForward(network: network, transport: .tcp, hostPortStart: port, hostPortEnd: port, guestAddress: IPv4Address("10.7.0.9")!, guestPort: nil)
        }
        let state = FirewallState(networks: [nat, isolated], portForwards: [forward("default", 80), forward("i", 81), forward("gone", 82)],
                                  coexistence: true)
        #expect(state.activePortForwards.map(\.hostPortStart) == [80])
        #expect(state.coexistence == ["default": "virbr0", "i": "bri"])
    }

    /// The kernel accepts quotes and semicolons in interface names; quoted into nft text, a name
    /// like `x";flush;"` would end the literal and run commands of its own.
    @Test func namesThatWouldBreakOutOfTheQuotesAreRefused() throws {
        let xml = "<network><name>evil</name><forward mode='nat'/><bridge name='x\";flush;\"'/><ip address='10.5.0.1' prefix='24'/></network>"
        let definition = try NetworkXML.read(xml).definition
        #expect(throws: PatchbayError.self) { try FirewallNetwork(definition: definition) }
    }

    @Test func interfaceNamesUsableInRules() {
        #expect(PatchbayTables.isUsableInterfaceName("virbr0"))
        #expect(PatchbayTables.isUsableInterfaceName("br-lan.10"))
        #expect(!PatchbayTables.isUsableInterfaceName("a\"b"))
        #expect(!PatchbayTables.isUsableInterfaceName("sixteen-chars-xx"))
        #expect(!PatchbayTables.isUsableInterfaceName(""))
    }
}
