import NWFilter
import PatchbayModel
import Testing

/// ACL rules as nft text: families from addresses and protocols, selectors that stand for
/// nothing, verdicts, rate limits, logging, defaults, and how the chains join a port's ruleset.
@Suite struct ACLCompilerTests {
    static func resolve(_ selector: ACLSelector) -> ACLAddresses {
        switch selector {
        case .subnet(let s): if case .v4 = s.address { ACLAddresses(ipv4: [s]) } else { ACLAddresses(ipv6: [s]) }
        case .guests: ACLAddresses([.v4(IPv4Address("10.0.0.5")!), .v4(IPv4Address("10.0.0.6")!)])
        case .host: ACLAddresses([.v4(IPv4Address("10.0.0.1")!), .v6(IPv6Address("fd00::1")!)])
        case .owner: ACLAddresses()
        }
    }

    static func chains(_ acls: [NetworkACL]) -> (egress: [String], ingress: [String]) {
        let c = ACLCompiler.chains(acls, device: "vnet0", resolve: resolve)
        #expect(c.egress.name == "ao-vnet0" && c.ingress.name == "ai-vnet0")
        // The first three rules of each chain are the ones no policy may break.
        #expect(c.egress.rules[0] == "ct state established,related return" && c.ingress.rules[0] == c.egress.rules[0])
        #expect(c.egress.rules[1] == "udp sport 68 udp dport 67 return")
        return (Array(c.egress.rules.dropFirst(3)), Array(c.ingress.rules.dropFirst(3)))
    }

    static func acl(_ name: String = "a", ingress: [String] = [], egress: [String] = [],
                    defaultIngress: ACLDefaultAction = .accept, defaultEgress: ACLDefaultAction = .accept) throws -> NetworkACL {
        NetworkACL(name: name, ingress: try ingress.map(ACLRuleText.parse), egress: try egress.map(ACLRuleText.parse),
                   defaultIngress: defaultIngress, defaultEgress: defaultEgress)
    }

    /// A filter with one IP-layer rule (tcp port 80 in), compiled for `port`.
    static func web(_ port: NWFilterPort) throws -> NWFilterPortRuleset {
        let filter = try NWFilterXMLParser.parse("<filter name='web'><rule action='accept' direction='in'><tcp dstportstart='80'/></rule></filter>")
        let rules = try NWFilterInstantiator.instantiate(NWFilterReference(filter: "web", parameters: NWFilterParameters([:])),
                                                         mac: MACAddress("52:54:00:00:00:05")!, lookup: { $0 == "web" ? filter : nil })
        return try NWFilterCompiler.compile(rules, for: port)
    }

    @Test func theSeedsExamples() throws {
        let c = Self.chains([try Self.acl(ingress: ["drop tcp dport 22,3389", "drop tcp dport 80 over 10/second"], egress: ["drop to @guests"])])
        #expect(c.ingress == [
            #"tcp dport { 22, 3389 } counter drop comment "acl a ingress 1""#,
            #"tcp dport 80 ct state new limit rate over 10/second counter drop comment "acl a ingress 2""#,
        ])
        #expect(c.egress == [#"ip daddr { 10.0.0.5, 10.0.0.6 } counter drop comment "acl a egress 1""#])
    }

    @Test func familiesComeFromAddressesAndProtocols() throws {
        let c = Self.chains([try Self.acl(egress: [
            "allow to @host", "reject tcp from 10.0.0.0/8,fd00::/64 dport 443", "allow icmp6 to 10.0.0.0/8", "allow icmp4 type 8", "drop",
        ])])
        #expect(c.egress == [
            #"ip daddr 10.0.0.1 counter return comment "acl a egress 1""#,
            #"ip6 daddr fd00::1 counter return comment "acl a egress 1""#,
            #"ip saddr 10.0.0.0/8 tcp dport 443 counter reject with tcp reset comment "acl a egress 2""#,
            #"ip6 saddr fd00::/64 tcp dport 443 counter reject with tcp reset comment "acl a egress 2""#,
            // icmp6 to an IPv4 subnet matches nothing: no rule at all, not a rule for everything.
            #"icmp type 8 counter return comment "acl a egress 4""#,
            #"counter drop comment "acl a egress 5""#,
        ])
    }

    @Test func aSelectorWithoutAddressesMatchesNothing() throws {
        let c = Self.chains([try Self.acl(egress: ["drop to @owner:db", "drop udp from @owner:db,10.9.0.0/16"])])
        #expect(c.egress == [#"ip saddr 10.9.0.0/16 meta l4proto udp counter drop comment "acl a egress 2""#])
    }

    @Test func loggingGoesBeforeTheVerdictAndIsLimited() throws {
        let c = Self.chains([try Self.acl(ingress: ["drop tcp dport 22 log"])])
        #expect(c.ingress == [
            #"tcp dport 22 limit rate 10/second burst 20 packets log prefix "patchbay acl a ingress 1: ""#,
            #"tcp dport 22 counter drop comment "acl a ingress 1""#,
        ])
    }

    @Test func rulesOfEveryACLThenTheStrictestDefault() throws {
        let c = Self.chains([try Self.acl("net", ingress: ["allow tcp dport 80"], defaultIngress: .drop),
                             try Self.acl("port", ingress: ["allow tcp dport 443"], defaultIngress: .reject, defaultEgress: .drop)])
        #expect(c.ingress == [
            #"tcp dport 80 counter return comment "acl net ingress 1""#,
            #"tcp dport 443 counter return comment "acl port ingress 1""#,
            #"counter reject comment "acl port ingress default""#,
        ])
        #expect(c.egress == [#"counter drop comment "acl port egress default""#])
        #expect(Self.chains([try Self.acl(ingress: ["allow"])]).ingress.count == 1)
    }

    @Test func theChainsJoinAPortsRuleset() throws {
        let port = NWFilterPort(device: "vnet0", id: 9, ipv4: [IPv4Address("10.0.0.5")!])
        let acl = ACLCompiler.chains([try Self.acl(ingress: ["drop tcp dport 22"])], device: "vnet0", resolve: Self.resolve)
        // A port with ACLs only: marks set on the way in, inet chains that jump to the ACL's.
        let alone = NWFilterPortRuleset(port: port, bridgeChains: [], inetChains: []).adding(acl: acl)
        #expect(alone.bridgeChains.map(\.name) == ["o-vnet0", "i-vnet0"])
        #expect(alone.bridgeChains[0].rules == ["meta mark set meta mark & 0x0001ffff | 0x00120000"])
        #expect(alone.inetChains.map(\.name) == ["ao-vnet0", "ai-vnet0", "o-vnet0", "i-vnet0"])
        #expect(alone.inetChains[2].rules == ["jump ao-vnet0", "return"] && alone.inetChains[3].rules == ["jump ai-vnet0", "accept"])
        // With a filter that has IP rules, the ACL comes first and the mark is not set twice.
        let filtered = try Self.web(port).adding(acl: acl)
        #expect(filtered.bridgeChains[0].rules.filter { $0.hasPrefix("meta mark set") }.count == 1)
        #expect(filtered.inetChains.first { $0.name == "i-vnet0" }?.rules.first == "jump ai-vnet0")
        #expect(filtered.inetChains.first { $0.name == "i-vnet0" }?.rules.last == "accept")
    }

    @Test func droppingTheACLDeletesItsChainsAfterTheJumpsAreGone() throws {
        let port = NWFilterPort(device: "vnet0", id: 9)
        let plain = try Self.web(port)
        let withACL = plain.adding(acl: ACLCompiler.chains([try Self.acl(ingress: ["drop"])], device: "vnet0", resolve: Self.resolve))
        let commands = NWFilterTables.apply(plain, replacing: withACL)
        let refill = try #require(commands.firstIndex(of: "flush chain inet patchbay_nwfilter i-vnet0"))
        let flush = try #require(commands.firstIndex(of: "flush chain inet patchbay_nwfilter ai-vnet0"))
        let delete = try #require(commands.firstIndex(of: "delete chain inet patchbay_nwfilter ai-vnet0"))
        #expect(refill < flush && flush < delete)
        #expect(commands.contains("delete chain inet patchbay_nwfilter ao-vnet0"))
        #expect(!commands.contains("delete chain inet patchbay_nwfilter i-vnet0"))
    }
}
