/// The one-line form of an ACL rule, for the command line and for listings:
///
///     ACTION [PROTOCOL] [from SEL,...] [to SEL,...] [sport P,...] [dport P,...] [type N]
///            [over N/UNIT] [log] [comment TEXT...]
///
/// e.g. `drop tcp dport 22,3389`, `allow from @owner:web to @owner:db`, `drop to @guests`,
/// `drop tcp dport 22 over 3/minute log`. Formatting gives back text that parses to the same rule.
public enum ACLRuleText {
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "invalid ACL rule '\(text)': \(reason)" }
    }

    public static func parse(_ text: String) throws(ParseError) -> ACLRule {
        func fail(_ reason: String) -> ParseError { ParseError(text: text, reason: reason) }
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)[...]
        guard let first = words.popFirst() else { throw fail("it is empty; it starts with allow, drop or reject") }
        guard let action = ACLAction(rawValue: first) else {
            throw fail("'\(first)' is not an action; a rule starts with allow, drop or reject")
        }
        var rule = ACLRule(action: action)
        var seen: Set<String> = []
        while let word = words.popFirst() {
            if word == "comment" {
                let rest = words.joined(separator: " ")
                guard !rest.isEmpty else { throw fail("'comment' needs a text") }
                rule.description = rest
                break
            }
            let key = ACLProtocol(rawValue: word) != nil ? "protocol" : word
            guard seen.insert(key).inserted else { throw fail("'\(word)' appears twice") }
            if let proto = ACLProtocol(rawValue: word) {
                rule.protocol = proto
                continue
            }
            if word == "log" {
                rule.log = true
                continue
            }
            guard ["from", "to", "sport", "dport", "type", "over"].contains(word) else {
                throw fail("'\(word)' is not a protocol (tcp, udp, sctp, icmp4, icmp6) or a keyword (from, to, sport, dport, type, over, log, comment)")
            }
            guard let value = words.popFirst() else { throw fail("'\(word)' needs a value") }
            let items = value.split(separator: ",", omittingEmptySubsequences: false)
            switch word {
            case "from", "to":
                var selectors: [ACLSelector] = []
                for item in items {
                    guard let selector = ACLSelector(item) else {
                        throw fail("'\(item)' is not an address, a subnet, @guests, @host or @owner:NAME")
                    }
                    selectors.append(selector)
                }
                if word == "from" { rule.source = selectors } else { rule.destination = selectors }
            case "sport", "dport":
                var ports: [ACLPortRange] = []
                for item in items {
                    guard let range = ACLPortRange(item) else { throw fail("'\(item)' is not a port from 1 to 65535 or a range A-B") }
                    ports.append(range)
                }
                if word == "sport" { rule.sourcePorts = ports } else { rule.destinationPorts = ports }
            case "type":
                guard let type = UInt8(value) else { throw fail("'\(value)' is not an ICMP type from 0 to 255") }
                rule.icmpType = type
            default:
                guard let rate = ACLRate(value) else { throw fail("'\(value)' is not a rate N/second, N/minute, N/hour or N/day") }
                rule.rateOver = rate
            }
        }
        if let problem = rule.problem { throw fail(problem) }
        return rule
    }

    public static func format(_ rule: ACLRule) -> String {
        var words = [rule.action.rawValue]
        if let p = rule.protocol { words.append(p.rawValue) }
        if !rule.source.isEmpty { words += ["from", rule.source.map(\.description).joined(separator: ",")] }
        if !rule.destination.isEmpty { words += ["to", rule.destination.map(\.description).joined(separator: ",")] }
        if !rule.sourcePorts.isEmpty { words += ["sport", rule.sourcePorts.map(\.description).joined(separator: ",")] }
        if !rule.destinationPorts.isEmpty { words += ["dport", rule.destinationPorts.map(\.description).joined(separator: ",")] }
        if let t = rule.icmpType { words += ["type", "\(t)"] }
        if let r = rule.rateOver { words += ["over", r.description] }
        if rule.log { words.append("log") }
        if let d = rule.description, !d.isEmpty { words += ["comment", d] }
        return words.joined(separator: " ")
    }
}
