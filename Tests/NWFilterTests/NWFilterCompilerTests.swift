import Foundation
import NWFilter
import PatchbayModel
import Testing

/// The compiler against libvirt's semantics: which chain, which direction, which state, which
/// verdict, per protocol element; the nft text is checked where its shape is the point.
@Suite struct NWFilterCompilerTests {
    static let mac = MACAddress("52:54:00:11:22:33")!
    static let port = NWFilterPort(device: "vnet7", id: 7, ipv4: [IPv4Address("10.0.0.5")!])

    static func compile(_ filterXML: String, parameters: [String: [String]] = [:]) throws -> NWFilterPortRuleset {
        let filter = try NWFilterXMLParser.parse(filterXML)
        let rules = try NWFilterInstantiator.instantiate(NWFilterReference(filter: filter.name, parameters: NWFilterParameters(parameters)),
                                                         mac: mac, lookup: { $0 == filter.name ? filter : NWFilterInstantiatorTests.builtin($0) })
        return try NWFilterCompiler.compile(rules, for: port)
    }

    static func chain(_ ruleset: NWFilterPortRuleset, _ name: String, inet: Bool = false) -> [String] {
        (inet ? ruleset.inetChains : ruleset.bridgeChains).first { $0.name == name }?.rules ?? []
    }
}

extension NWFilterCompilerTests {
    /// Patchbay's 24 built-in filters compile to exactly the rules libvirt's own files do.
    @Test(arguments: NWFilterBuiltins.names)
    func builtinBehavesAsLibvirts(_ name: String) throws {
        #expect(NWFilterBuiltins.names.count == 24)
        var values: [String: [String]] = ["IP": ["10.0.0.5", "10.0.0.6"], "IPV6": ["fd00::5"], "DHCPSERVER": ["10.0.0.1"],
                                          "GATEWAY_MAC": ["52:54:00:00:00:01"]]
        if name == "allow-dhcpv6-server" { values["DHCPSERVER"] = ["fe80::1"] }
        let reference = NWFilterReference(filter: name, parameters: NWFilterParameters(values))
        let ours = try NWFilterInstantiator.instantiate(reference, mac: Self.mac, lookup: { NWFilterBuiltins.definitions[$0] })
        let libvirts = try NWFilterInstantiator.instantiate(reference, mac: Self.mac, lookup: NWFilterInstantiatorTests.builtin)
        #expect(try NWFilterCompiler.compile(ours, for: Self.port) == NWFilterCompiler.compile(libvirts, for: Self.port))
        // Stable per name (derived from it, not drawn at start) and distinct across the 24.
        #expect(Set(NWFilterBuiltins.definitions.values.map(\.uuid)).count == 24)
        #expect(NWFilterBuiltins.definitions[name]?.uuid.description.dropFirst(14).first == "8")
    }

    @Test func ethernetElements() throws {
        func rules(_ element: String, direction: String = "out") throws -> [String] {
            let ruleset = try Self.compile("<filter name='t'><rule action='drop' direction='\(direction)'>\(element)</rule></filter>")
            return Self.chain(ruleset, direction == "out" ? "o-vnet7" : "i-vnet7")
        }
        #expect(try rules("<mac srcmacaddr='52:54:00:00:00:00' srcmacmask='ff:ff:ff:00:00:00' protocolid='ipv6'/>")
                == [#"ether saddr & ff:ff:ff:00:00:00 == 52:54:00:00:00:00 ether type 0x86dd counter drop comment "t 500""#])
        #expect(try rules("<mac match='no' dstmacaddr='ff:ff:ff:ff:ff:ff'/>")
                == [#"ether daddr != ff:ff:ff:ff:ff:ff counter drop comment "t 500""#])
        #expect(try rules("<vlan vlanid='42' encap-protocol='arp'/>")
                == [#"ether type 8021q vlan id 42 vlan type 0x0806 counter drop comment "t 500""#])
        #expect(try rules("<stp type='0x80' root-priority='0x1000' root-priority-hi='0x2000' sender-address='52:54:00:00:00:01'/>")
                == [#"ether daddr 01:80:c2:00:00:00 @ll,160,8 128 @ll,176,16 4096-8192 @ll,288,48 0x525400000001 counter drop comment "t 500""#])
        #expect(try rules("<arp opcode='Reply' arpsrcipaddr='10.0.0.0' arpsrcipmask='8' arpdstmacaddr='52:54:00:00:00:02'/>")
                == [#"ether type arp @nh,48,16 2 @nh,144,48 0x525400000002 @nh,112,32 & 0xff000000 == 0x0a000000 counter drop comment "t 500""#])
        #expect(try rules("<ip srcipaddr='10.1.2.3' srcipmask='16' protocol='tcp' dstportstart='22' dstportend='23' dscp='8'/>")
                == [#"ether type ip ip saddr 10.1.0.0/16 ip protocol 6 th dport 22-23 ip dscp 8 counter drop comment "t 500""#])
        #expect(try rules("<ipv6 match='no' srcipaddr='fe80::1' srcipmask='10'/><ipv6 protocol='icmpv6' type='133' typeend='136'/>", direction: "in")
                == [#"ether type ip6 ip6 saddr != fe80::/10 meta l4proto 58 icmpv6 type 133-136 counter drop comment "t 500""#])
        let gratuitous = #expect(throws: NWFilterRenderError.self) { try rules("<arp gratuitous='true'/>") }
        #expect(gratuitous?.description.contains("gratuitous") == true)
    }

    @Test func actionsAndDirections() throws {
        let ruleset = try Self.compile("""
            <filter name='t'>
              <rule action='reject' direction='out'><mac/></rule>
              <rule action='continue' direction='in'/>
              <rule action='return' direction='inout' priority='-10'/>
            </filter>
            """)
        #expect(Self.chain(ruleset, "o-vnet7") == [#"counter return comment "t -10""#, #"counter drop comment "t 500""#])
        #expect(Self.chain(ruleset, "i-vnet7") == [#"counter return comment "t -10""#, #"counter comment "t 500""#])
        #expect(!ruleset.hasIPLayer)
    }

    /// tcp-linux.args and target-linux.args: an `out` accept is the rule with NEW,ESTABLISHED
    /// (ctdir Original) in the guest's outgoing chain and its mirror with ESTABLISHED (ctdir
    /// Reply) in the incoming one; statematch='false' and a drop give both halves without
    /// conntrack; state='NONE' and ICMP with a type one half only.
    @Test func stateMatchingAsLibvirt() throws {
        let ruleset = try Self.compile("""
            <filter name='t'>
              <rule action='accept' direction='out'><tcp srcmacaddr='1:2:3:4:5:6' dstipaddr='10.1.2.3' dscp='2'/></rule>
              <rule action='accept' direction='in' statematch='false'><tcp srcipaddr='10.1.2.3' srcportstart='20' srcportend='21' dstportstart='100'/></rule>
              <rule action='accept' direction='in'><tcp state='NONE' flags='SYN/SYN,ACK'/></rule>
              <rule action='drop' direction='out'><udp-ipv6 dstipaddr='fd00::1' dstportstart='53'/></rule>
              <rule action='accept' direction='in'><icmp type='8' state='NEW'/></rule>
            </filter>
            """)
        #expect(ruleset.hasIPLayer)
        #expect(Self.chain(ruleset, "o-vnet7", inet: true) == [
            #"meta nfproto ipv4 ether saddr 01:02:03:04:05:06 ip daddr 10.1.2.3 ip dscp 2 meta l4proto tcp ct state new,established ct direction original counter return comment "t 500""#,
            #"meta nfproto ipv4 ip daddr 10.1.2.3 meta l4proto tcp th dport 20-21 th sport 100 counter return comment "t 500""#,
            #"meta nfproto ipv6 ip6 daddr fd00::1 meta l4proto udp th dport 53 counter drop comment "t 500""#,
            "return",
        ])
        #expect(Self.chain(ruleset, "i-vnet7", inet: true) == [
            #"meta nfproto ipv4 ip saddr 10.1.2.3 ip dscp 2 meta l4proto tcp ct state established ct direction reply counter accept comment "t 500""#,
            #"meta nfproto ipv4 ip saddr 10.1.2.3 meta l4proto tcp th sport 20-21 th dport 100 counter accept comment "t 500""#,
            #"meta nfproto ipv4 meta l4proto tcp tcp flags & 0x02 == 0x12 counter accept comment "t 500""#,
            #"meta nfproto ipv6 ip6 saddr fd00::1 meta l4proto udp th sport 53 counter drop comment "t 500""#,
            #"meta nfproto ipv4 meta l4proto icmp icmp type 8 ct state new counter accept comment "t 500""#,
            "accept",
        ])
        // The bridge side marks the guest's traffic for the inet table.
        #expect(Self.chain(ruleset, "o-vnet7").first == "meta mark set meta mark & 0x0001ffff | 0x000e0000")
    }

    @Test func protocolChainsAreEnteredAtTheirPriority() throws {
        let ruleset = try Self.compile("<filter name='t'><filterref filter='clean-traffic'/></filter>", parameters: ["IP": ["10.0.0.5"]])
        let root = Self.chain(ruleset, "o-vnet7").map { $0.components(separatedBy: " comment").first! }
        #expect(root == ["jump o-vnet7-mac", "ether type ip jump o-vnet7-ipv4-ip", "ether type 0x0800 counter accept",
                         "ether type arp jump o-vnet7-arp-mac", "ether type arp jump o-vnet7-arp-ip",
                         "ether type 0x0806 counter accept", "ether type 0x8035 jump o-vnet7-rarp",
                         "ether type 0x0835 counter accept", "counter drop"])
        #expect(Self.chain(ruleset, "o-vnet7-mac").count == 2)
        #expect(ruleset.bridgeChains.map(\.name) == ["o-vnet7", "o-vnet7-mac", "o-vnet7-ipv4-ip", "o-vnet7-arp-mac", "o-vnet7-arp-ip",
                                                     "o-vnet7-rarp", "i-vnet7", "i-vnet7-ipv4", "i-vnet7-rarp"])
    }

    @Test func tableCommandsForAPortsLife() throws {
        let first = try Self.compile("<filter name='t'><rule action='accept' direction='out'><tcp dstportstart='22'/></rule></filter>")
        let added = NWFilterTables.apply(first, replacing: nil)
        #expect(added.contains(#"add element bridge patchbay_nwfilter from_port { "vnet7" : jump o-vnet7 }"#))
        #expect(added.contains("add element inet patchbay_nwfilter from_id { 0x000e0000 : jump o-vnet7 }"))
        #expect(added.contains("add element inet patchbay_nwfilter to_addr4 { 10.0.0.5 : jump i-vnet7 }"))
        // Dropping the IP-layer rule takes the port's inet chains and elements away in the same
        // transaction that re-fills its bridge chains.
        let second = try Self.compile("<filter name='t'><rule action='drop' direction='out'><mac protocolid='ipv6'/></rule></filter>")
        let changed = NWFilterTables.apply(second, replacing: first)
        #expect(changed.first == "delete element bridge patchbay_nwfilter mark_port { \"vnet7\" : jump m-vnet7 }")
        #expect(changed.contains("delete chain inet patchbay_nwfilter o-vnet7"))
        #expect(changed.contains("delete chain bridge patchbay_nwfilter m-vnet7"))
        #expect(!changed.contains { $0.contains("delete element bridge patchbay_nwfilter from_port") })
        let removed = NWFilterTables.remove(second)
        #expect(removed.first == #"delete element bridge patchbay_nwfilter from_port { "vnet7" : jump o-vnet7 }"#)
        #expect(removed.last == "delete chain bridge patchbay_nwfilter i-vnet7")
    }

    @Test func oddDeviceNamesGetHashedChainNames() throws {
        let filter = try NWFilterXMLParser.parse("<filter name='t'><rule action='drop' direction='out'/></filter>")
        let rules = try NWFilterInstantiator.instantiate(NWFilterReference(filter: "t"), mac: nil, lookup: { _ in filter })
        let ruleset = try NWFilterCompiler.compile(rules, for: NWFilterPort(device: "vm@eth#0", id: 9))
        #expect(ruleset.bridgeChains.first?.name.hasPrefix("o-x") == true)
        #expect(NWFilterTables.apply(ruleset, replacing: nil).contains { $0.contains(#"from_port { "vm@eth#0" : jump o-x"#) })
    }
}

/// libvirt's nwfilterxml2firewall cases as a semantic oracle: for every filter, the number of
/// rules libvirt puts in the guest's outgoing and incoming ebtables chains and in its
/// FJ/FP/HJ iptables chains (jumps to protocol chains aside) is the number Patchbay puts in the
/// port's bridge and inet chains. Where nftables cannot say a rule, the compiler refuses the
/// filter by name instead of dropping the rule.
@Suite struct NWFilterFirewallSemanticsTests {
    struct Counts: Equatable, CustomStringConvertible {
        var ethernetOut = 0, ethernetIn = 0, ipOut = 0, ipIn = 0, hostIn = 0
        var description: String { "eb out \(ethernetOut) in \(ethernetIn), ip out \(ipOut) in \(ipIn) host \(hostIn)" }
    }

    static let cases: [String] = {
        let folder = Conformance.folder("libvirt-nwfilter-firewall")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix("-linux.args") }.map { String($0.dropLast("-linux.args".count)) }.sorted()
    }()

    /// libvirt's argv, one command per `ebtables`/`iptables`/`ip6tables` line group.
    static func libvirtCounts(_ name: String) throws -> Counts {
        let text = try String(contentsOf: Conformance.folder("libvirt-nwfilter-firewall").appendingPathComponent("\(name)-linux.args"),
                              encoding: .utf8)
        let words = text.replacingOccurrences(of: "\\\n", with: " ").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        var commands: [[String]] = []
        for word in words {
            if ["ebtables", "iptables", "ip6tables"].contains(word) { commands.append([word]) } else { commands[commands.count - 1].append(word) }
        }
        var counts = Counts()
        for command in commands {
            guard let at = command.firstIndex(of: "-A"), at + 1 < command.count else { continue }
            let chain = command[at + 1]
            let target = command.firstIndex(of: "-j").map { command[$0 + 1] } ?? command.firstIndex(of: "-g").map { command[$0 + 1] } ?? ""
            if command[0] == "ebtables" {
                if target.hasPrefix("J-") || target.hasPrefix("P-") { continue }
                if chain.hasPrefix("libvirt-J-") || chain.hasPrefix("J-") { counts.ethernetOut += 1 }
                if chain.hasPrefix("libvirt-P-") || chain.hasPrefix("P-") { counts.ethernetIn += 1 }
            } else {
                if chain.hasPrefix("FJ-") { counts.ipOut += 1 }
                if chain.hasPrefix("FP-") { counts.ipIn += 1 }
                if chain.hasPrefix("HJ-") { counts.hostIn += 1 }
            }
        }
        return counts
    }

    static func patchbayCounts(_ name: String) throws -> Counts {
        let url = Conformance.folder("libvirt-nwfilter-firewall").appendingPathComponent("\(name).xml")
        let filter = try NWFilterXMLParser.parse(try String(contentsOf: url, encoding: .utf8))
        let rules = try NWFilterInstantiator.instantiate(NWFilterReference(filter: filter.name, parameters: NWFilterInstantiatorTests.testVariables),
                                                         mac: MACAddress("00:11:22:33:44:55")!, lookup: { $0 == filter.name ? filter : nil })
        let ruleset = try NWFilterCompiler.compile(rules, for: NWFilterPort(device: "vnet0", id: 1))
        func count(_ chains: [NWFilterChainRules], prefix: String) -> Int {
            chains.filter { $0.name.hasPrefix(prefix) }.flatMap(\.rules)
                .filter { !$0.contains(" jump ") && !$0.hasPrefix("jump ") && !$0.hasPrefix("meta mark set") && $0 != "return" && $0 != "accept" }
                .count
        }
        let ipOut = count(ruleset.inetChains, prefix: "o-")
        return Counts(ethernetOut: count(ruleset.bridgeChains, prefix: "o-"), ethernetIn: count(ruleset.bridgeChains, prefix: "i-"),
                      ipOut: ipOut, ipIn: count(ruleset.inetChains, prefix: "i-"), hostIn: ipOut)
    }

    @Test func theCasesAreThere() { #expect(Self.cases.count == 39) }

    @Test(arguments: cases.filter { !["arp", "ipset"].contains($0) })
    func rulesLandWhereLibvirtPutsThem(_ name: String) throws {
        let libvirt = try Self.libvirtCounts(name)
        let patchbay = try Self.patchbayCounts(name)
        #expect(patchbay == libvirt, "\(name): libvirt \(libvirt), Patchbay \(patchbay)")
    }

    /// What nftables cannot say: ARP's gratuitous flag (two fields of one packet compared) and
    /// kernel ipsets (an iptables feature).
    @Test(arguments: [("arp", "gratuitous"), ("ipset", "ipset")])
    func whatCannotBeSaidIsRefusedByName(_ name: String, _ attribute: String) throws {
        let error = #expect(throws: NWFilterRenderError.self) { try Self.patchbayCounts(name) }
        #expect(error?.description.contains(attribute) == true)
    }
}

extension NWFilterCompilerTests {
    /// CTRL_LOG=drops: every dropping rule, in both layers and both halves, is preceded by a
    /// rate-limited log rule with the same match and no verdict.
    @Test func droppedPacketsAreLoggedWhenAsked() throws {
        let filter = try NWFilterXMLParser.parse("""
            <filter name='t'>
              <rule action='drop' direction='out'><mac srcmacaddr='52:54:00:00:00:09'/></rule>
              <rule action='reject' direction='out'><tcp dstportstart='25'/></rule>
              <rule action='accept' direction='in'><udp dstportstart='53'/></rule>
            </filter>
            """)
        let rules = try NWFilterInstantiator.instantiate(NWFilterReference(filter: "t"), mac: Self.mac, lookup: { _ in filter })
        var port = Self.port
        port.logging = NWFilterLogging(group: 7)
        let ruleset = try NWFilterCompiler.compile(rules, for: port)
        let log = #"limit rate 10/second burst 20 packets log prefix "patchbay vnet7 t 500 drop: " group 7"#
        #expect(Self.chain(ruleset, "o-vnet7") == [
            "meta mark set meta mark & 0x0001ffff | 0x000e0000",
            "ether saddr 52:54:00:00:00:09 " + log,
            #"ether saddr 52:54:00:00:00:09 counter drop comment "t 500""#,
        ])
        let out = Self.chain(ruleset, "o-vnet7", inet: true)
        #expect(out.first == "meta nfproto ipv4 meta l4proto tcp th dport 25 " + log)
        #expect(out.dropFirst().first?.hasSuffix(#"th dport 25 counter reject comment "t 500""#) == true)
        let into = Self.chain(ruleset, "i-vnet7", inet: true)
        // The mirror of the reject is logged too; the accept is not.
        #expect(into.filter { $0.contains("log prefix") } == ["meta nfproto ipv4 meta l4proto tcp th sport 25 " + log])
        let silent = try NWFilterCompiler.compile(rules, for: Self.port)
        #expect(!(silent.bridgeChains + silent.inetChains).flatMap(\.rules).contains { $0.contains("log") })
    }
}
