import Foundation
import NWFilter
import PatchbayModel
import Testing

/// Filter trees made concrete for a port: references, parameter scoping, lists and iterators,
/// and the refusals (unknown filter, loop, missing variable) that must leave a port untouched.
@Suite struct NWFilterInstantiatorTests {
    static let mac = MACAddress("52:54:00:11:22:33")!

    static func builtin(_ name: String) -> NWFilterDefinition? {
        let url = Conformance.folder("libvirt-nwfilter-builtin").appendingPathComponent("\(name).xml")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        return try? NWFilterXMLParser.parse(text)
    }

    static func firewallCase(_ name: String) throws -> NWFilterDefinition {
        let url = Conformance.folder("libvirt-nwfilter-firewall").appendingPathComponent("\(name).xml")
        return try NWFilterXMLParser.parse(try String(contentsOf: url, encoding: .utf8))
    }

    /// The variables libvirt's nwfilterxml2firewalltest sets.
    static let testVariables = NWFilterParameters([
        "IPSETNAME": ["tck_test"], "A": ["1.1.1.1", "2.2.2.2", "3.3.3.3", "3.3.3.3"], "B": ["80", "90", "80", "80"],
        "C": ["1080", "1090", "1100", "1110"], "IP": ["10.1.1.1", "10.1.1.2"],
    ])

    func count(_ name: String) throws -> Int {
        let filter = try Self.firewallCase(name)
        return try NWFilterInstantiator.instantiate(NWFilterReference(filter: filter.name, parameters: Self.testVariables),
                                                    mac: Self.mac, lookup: { $0 == filter.name ? filter : nil }).count
    }

    /// libvirt's iter1–3 give 3, 57 and 5 `-A FJ-vnet0` rules: in-step walks, products, and
    /// combinations already seen skipped.
    @Test func iteratorsMultiplyAsLibvirtDoes() throws {
        #expect(try count("iter1") == 3)
        #expect(try count("iter2") == 57)
        #expect(try count("iter3") == 5)
    }

    @Test func inStepValuesPairUp() throws {
        let filter = try Self.firewallCase("iter1")
        let rules = try NWFilterInstantiator.instantiate(NWFilterReference(filter: filter.name, parameters: Self.testVariables),
                                                         mac: Self.mac, lookup: { _ in filter })
        let pairs = rules.map { rule -> String in
            guard case .ipv4(let a)? = rule.match?[.srcipaddr]?.value, case .number(let p, _)? = rule.match?[.srcportstart]?.value
            else { return "?" }
            return "\(a):\(p)"
        }
        #expect(pairs == ["1.1.1.1:80", "2.2.2.2:90", "3.3.3.3:80"])
    }

    @Test func cleanTrafficExpandsWithTheGuestsAddresses() throws {
        let reference = NWFilterReference(filter: "clean-traffic", parameters: NWFilterParameters(["IP": ["10.0.0.5", "10.0.0.6"]]))
        let rules = try NWFilterInstantiator.instantiate(reference, mac: Self.mac, lookup: Self.builtin)
        let macRule = rules.first { $0.filter == "no-mac-spoofing" && $0.action == .return }
        #expect(macRule?.match?[.srcmacaddr]?.value == .mac(Self.mac))
        #expect(macRule?.chain.kind == .mac && macRule?.chainPriority == -800)
        let ipReturns = rules.filter { $0.filter == "no-ip-spoofing" && $0.match?[.srcipaddr] != nil && $0.action == .return }
        #expect(ipReturns.compactMap { if case .ipv4(let a)? = $0.match?[.srcipaddr]?.value { a.description } else { nil } }
                .filter { $0.hasPrefix("10.0.0.") } == ["10.0.0.5", "10.0.0.6"])
        #expect(rules.contains { $0.filter == "no-other-l2-traffic" && $0.action == .drop && $0.match == nil })
        let closure = try NWFilterInstantiator.closure(of: "clean-traffic", lookup: Self.builtin)
        #expect(closure.contains("no-arp-mac-spoofing") && closure.contains("qemu-announce-self-rarp") && closure.first == "clean-traffic")
    }

    @Test func aMissingIPIsReportedNotGuessed() throws {
        let reference = NWFilterReference(filter: "clean-traffic")
        #expect(try NWFilterInstantiator.missingVariables(reference, lookup: Self.builtin) == ["IP"])
        let error = #expect(throws: NWFilterInstantiationError.self) {
            try NWFilterInstantiator.instantiate(reference, mac: Self.mac, lookup: Self.builtin)
        }
        #expect(error?.description == "filter 'no-ip-spoofing' needs variable 'IP', which has no value (give it as a parameter)")
    }

    @Test func referencesOverrideTheirParentsVariables() throws {
        let child = try NWFilterXMLParser.parse("<filter name='child'><rule action='accept' direction='out'><ip srcipaddr='$X'/></rule></filter>")
        let parent = try NWFilterXMLParser.parse("""
            <filter name='parent'><filterref filter='child'><parameter name='X' value='10.9.9.9'/></filterref>
            <rule action='drop' direction='out'><ip dstipaddr='$X'/></rule></filter>
            """)
        let filters = ["child": child, "parent": parent]
        let rules = try NWFilterInstantiator.instantiate(NWFilterReference(filter: "parent", parameters: NWFilterParameters(["X": ["10.1.1.1"]])),
                                                         mac: nil, lookup: { filters[$0] })
        #expect(rules.map(\.filter) == ["child", "parent"])
        #expect(rules[0].match?[.srcipaddr]?.value == .ipv4(IPv4Address("10.9.9.9")!))
        #expect(rules[1].match?[.dstipaddr]?.value == .ipv4(IPv4Address("10.1.1.1")!))
    }

    @Test func refusals() throws {
        let a = try NWFilterXMLParser.parse("<filter name='a'><filterref filter='b'/></filter>")
        let b = try NWFilterXMLParser.parse("<filter name='b'><filterref filter='a'/></filter>")
        let c = try NWFilterXMLParser.parse("<filter name='c'><filterref filter='nope'/></filter>")
        let d = try NWFilterXMLParser.parse("<filter name='d'><rule action='accept' direction='out'><tcp srcipaddr='$A' srcportstart='$B'/></rule></filter>")
        let e = try NWFilterXMLParser.parse("<filter name='e'><rule action='accept' direction='out'><tcp srcipaddr='$A[5]'/></rule></filter>")
        let filters = ["a": a, "b": b, "c": c, "d": d, "e": e]
        let lookup: (String) -> NWFilterDefinition? = { filters[$0] }
        func failure(_ name: String, _ parameters: [String: [String]] = [:]) -> NWFilterInstantiationError? {
            #expect(throws: NWFilterInstantiationError.self) {
                try NWFilterInstantiator.instantiate(NWFilterReference(filter: name, parameters: NWFilterParameters(parameters)),
                                                     mac: nil, lookup: lookup)
            }
        }
        #expect(failure("a") == .loop(["a", "b", "a"]))
        #expect(failure("c") == .unknownFilter("nope", referencedBy: "c"))
        #expect(failure("zz") == .unknownFilter("zz", referencedBy: nil))
        #expect(failure("d", ["A": ["1.1.1.1", "2.2.2.2"], "B": ["1"]]) == .cardinalityMismatch(["A", "B"], filter: "d"))
        #expect(failure("d", ["A": ["1.1.1.1"], "B": ["port"]])
                == .invalidValue(variable: "B", value: "port", attribute: "srcportstart",
                                 reason: "expected a decimal or hexadecimal number up to 65535", filter: "d"))
        #expect(failure("e", ["A": ["1.1.1.1"]]) == .missingElement("A", index: 5, count: 1, filter: "e"))
        #expect(throws: NWFilterInstantiationError.loop(["a", "b", "a"])) { try NWFilterInstantiator.closure(of: "a", lookup: lookup) }
    }

    @Test func everyShippedFilterInstantiatesWithItsVariables() throws {
        let names = (try FileManager.default.contentsOfDirectory(atPath: Conformance.folder("libvirt-nwfilter-builtin").path))
            .filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }
        let parameters = NWFilterParameters(["IP": ["10.0.0.5"], "IPV6": ["fd00::5"], "DHCPSERVER": ["10.0.0.1"],
                                             "GATEWAY_MAC": ["52:54:00:00:00:01"]])
        for name in names {
            // libvirt's allow-dhcpv6-server reads the IPv6 server from DHCPSERVER too.
            var parameters = parameters
            if name == "allow-dhcpv6-server" { parameters.set("DHCPSERVER", to: ["fe80::1"]) }
            let rules = try NWFilterInstantiator.instantiate(NWFilterReference(filter: name, parameters: parameters), mac: Self.mac,
                                                             lookup: Self.builtin)
            #expect(!rules.isEmpty, "\(name)")
            #expect(rules.allSatisfy { rule in rule.match?.fields.values.allSatisfy { if case .variable = $0.value { false } else { true } } ?? true })
        }
    }
}
