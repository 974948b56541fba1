import Foundation
import PatchbayModel
import Testing

/// The one-line rule form: every keyword, the round trip, and refusals that name the word at fault.
@Suite struct ACLRuleTextTests {
    @Test(arguments: [
        "drop tcp dport 22,3389",
        "allow from @owner:web to @owner:db",
        "drop to @guests",
        "drop tcp dport 22 over 3/minute log",
        "reject udp from 10.0.0.0/8,fd00::/64 sport 1000-2000 dport 53",
        "allow icmp4 type 8 comment ping from anywhere",
        "drop icmp6 to @host",
        "allow sctp from 192.0.2.7 dport 9899",
    ])
    func roundTrips(_ text: String) throws {
        let rule = try ACLRuleText.parse(text)
        #expect(ACLRuleText.format(rule) == text)
        let json = try JSONEncoder().encode(rule)
        #expect(try JSONDecoder().decode(ACLRule.self, from: json) == rule)
    }

    @Test func fieldsAreWhatTheWordsSay() throws {
        let rule = try ACLRuleText.parse("reject tcp from 10.1.2.3/8,@guests to @host sport 1-1024 dport 22 over 10/second log")
        #expect(rule.action == .reject && rule.protocol == .tcp && rule.log)
        #expect(rule.source == [.subnet(InterfaceAddress("10.0.0.0/8")!), .guests])
        #expect(rule.destination == [.host])
        #expect(rule.sourcePorts == [ACLPortRange(first: 1, last: 1024)!])
        #expect(rule.destinationPorts == [ACLPortRange(first: 22, last: 22)!])
        #expect(rule.rateOver == ACLRate(count: 10, unit: .second))
        // A single address is a host route of its family.
        #expect(try ACLRuleText.parse("drop from fd00::5").source == [.subnet(InterfaceAddress("fd00::5/128")!)])
    }

    @Test(arguments: [
        ("", "empty"),
        ("permit tcp", "'permit' is not an action"),
        ("drop tcp udp", "'udp' appears twice"),
        ("drop dport 22", "ports need protocol"),
        ("drop tcp type 8", "ICMP type needs protocol"),
        ("drop from 300.1.1.1", "'300.1.1.1' is not an address"),
        ("drop from @owner:", "'@owner:' is not"),
        ("drop tcp dport 0", "'0' is not a port"),
        ("drop tcp dport 30-20", "'30-20' is not a port"),
        ("drop tcp dport 70000", "'70000' is not a port"),
        ("drop over 5/week", "'5/week' is not a rate"),
        ("drop over 0/second", "'0/second' is not a rate"),
        ("drop to", "'to' needs a value"),
        ("drop tcp sideways", "'sideways' is not a protocol"),
        ("drop comment", "'comment' needs a text"),
    ])
    func refusalsNameTheProblem(_ text: String, _ expected: String) {
        #expect {
            try ACLRuleText.parse(text)
        } throws: { error in
            guard let error = error as? ACLRuleText.ParseError else { return false }
            return error.description.contains(expected) && error.description.contains("'\(text)'")
        }
    }

    @Test func anACLDecodesWithDefaults() throws {
        let acl = try JSONDecoder().decode(NetworkACL.self, from: Data(#"{"name":"web","ingress":[{"action":"drop","protocol":"tcp","destinationPorts":[22,"3389"]}],"attachments":[{"network":"default"}]}"#.utf8))
        #expect(acl.defaultIngress == .accept && acl.egress.isEmpty)
        #expect(acl.ingress[0].destinationPorts.map(\.description) == ["22", "3389"])
        #expect(acl.attachments == [ACLAttachment(network: "default")])
        #expect(NetworkACL.isValidName("web-1_a.b") && !NetworkACL.isValidName(".x") && !NetworkACL.isValidName("a b") && !NetworkACL.isValidName(""))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(NetworkACL.self, from: Data(#"{"name":"x","egress":[{"action":"drop","source":["@nobody"]}]}"#.utf8))
        }
    }
}
