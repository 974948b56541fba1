import PatchbayModel

/// The addresses an ACL selector stands for on one port (its network's guests, its host
/// addresses, an owner's guests), as the engine knows them when it compiles.
public struct ACLAddresses: Sendable, Hashable {
    public var ipv4: [InterfaceAddress]
    public var ipv6: [InterfaceAddress]

    public init(ipv4: [InterfaceAddress] = [], ipv6: [InterfaceAddress] = []) {
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    public init(_ addresses: [IPAddress]) {
        self.init()
        for address in addresses {
            let host = InterfaceAddress(address: address, prefixLength: address.maxPrefixLength)!
            if case .v4 = address { ipv4.append(host) } else { ipv6.append(host) }
        }
    }
}

/// Turns the ACLs that apply to a port into two chains of the `inet patchbay_nwfilter` table,
/// `ao-PORT` (traffic from the guest) and `ai-PORT` (to it), entered first from the port's
/// inet chains, so a packet must pass the ACLs and then the port's nwfilter.
///
/// Each chain lets through what no policy should break: packets of connections already
/// accepted (replies, related ICMP errors), the guest's DHCP and IPv6 neighbour discovery.
/// Then every rule of every ACL in order (network's, portgroup's, port's; first match wins),
/// then the strictest default of those ACLs. An `allow` returns to the port's chain (its
/// nwfilter still runs), `drop` drops, `reject` answers with a TCP reset or an ICMP error.
public enum ACLCompiler {
    public static func chains(_ acls: [NetworkACL], device: String,
                              resolve: (ACLSelector) -> ACLAddresses) -> (egress: NWFilterChainRules, ingress: NWFilterChainRules) {
        let names = NWFilterChainNames(device: device)
        var egress = [
            "ct state established,related return",
            "udp sport 68 udp dport 67 return",
            "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } return",
        ]
        var ingress = [
            "ct state established,related return",
            "udp sport 67 udp dport 68 return",
            "icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } return",
        ]
        for acl in acls {
            for (index, rule) in acl.egress.enumerated() {
                egress += rules(rule, comment: comment(acl.name, .egress, index + 1), resolve: resolve)
            }
            for (index, rule) in acl.ingress.enumerated() {
                ingress += rules(rule, comment: comment(acl.name, .ingress, index + 1), resolve: resolve)
            }
        }
        egress += defaultRule(acls, .egress)
        ingress += defaultRule(acls, .ingress)
        return (NWFilterChainRules(name: "a" + names.out, rules: egress), NWFilterChainRules(name: "a" + names.in, rules: ingress))
    }

    /// The comment that names a rule in the kernel, which the hit counters are summed by.
    public static func comment(_ acl: String, _ direction: ACLDirection, _ index: Int?) -> String {
        "acl \(acl) \(direction.rawValue) " + (index.map(String.init) ?? "default")
    }

    /// reject before drop before accept: an ACL that closes a direction by default closes it.
    static func defaultRule(_ acls: [NetworkACL], _ direction: ACLDirection) -> [String] {
        for action in [ACLDefaultAction.reject, .drop] {
            if let acl = acls.first(where: { $0.defaultAction(direction) == action }) {
                return ["counter \(action == .reject ? "reject" : "drop") comment \"\(comment(acl.name, direction, nil))\""]
            }
        }
        return []
    }

    /// One rule's nft rules: one, or one per address family when its addresses or protocol say
    /// which family it is about; none when a selector stands for no address at all (an owner
    /// with no guest yet matches nothing, not everything).
    static func rules(_ rule: ACLRule, comment: String, resolve: (ACLSelector) -> ACLAddresses) -> [String] {
        let source = rule.source.isEmpty ? nil : merged(rule.source.map(resolve))
        let destination = rule.destination.isEmpty ? nil : merged(rule.destination.map(resolve))
        var families: [Family] = []
        switch rule.protocol {
        case .icmp4?: families = [.ipv4]
        case .icmp6?: families = [.ipv6]
        default: families = source == nil && destination == nil ? [.any] : [.ipv4, .ipv6]
        }
        var out: [String] = []
        for family in families {
            var parts: [String] = []
            if let source {
                guard let text = family.match(source, side: "saddr") else { continue }
                parts.append(text)
            }
            if let destination {
                guard let text = family.match(destination, side: "daddr") else { continue }
                parts.append(text)
            }
            parts += protocolMatch(rule)
            if let rate = rule.rateOver { parts += ["ct state new", "limit rate over \(rate.count)/\(rate.unit.rawValue)"] }
            if rule.log {
                out.append((parts + ["limit rate 10/second burst 20 packets", "log prefix \"patchbay \(comment): \""]).joined(separator: " "))
            }
            parts.append("counter")
            switch rule.action {
            case .allow: parts.append("return")
            case .drop: parts.append("drop")
            case .reject: parts.append(rule.protocol == .tcp ? "reject with tcp reset" : "reject")
            }
            parts.append("comment \"\(comment)\"")
            out.append(parts.joined(separator: " "))
        }
        return out
    }

    static func protocolMatch(_ rule: ACLRule) -> [String] {
        guard let proto = rule.protocol else { return [] }
        switch proto {
        case .tcp, .udp, .sctp:
            var parts: [String] = []
            if !rule.sourcePorts.isEmpty { parts.append("\(proto.rawValue) sport \(set(rule.sourcePorts.map(\.description)))") }
            if !rule.destinationPorts.isEmpty { parts.append("\(proto.rawValue) dport \(set(rule.destinationPorts.map(\.description)))") }
            return parts.isEmpty ? ["meta l4proto \(proto.rawValue)"] : parts
        case .icmp4:
            return [rule.icmpType.map { "icmp type \($0)" } ?? "meta l4proto icmp"]
        case .icmp6:
            return [rule.icmpType.map { "icmpv6 type \($0)" } ?? "meta l4proto ipv6-icmp"]
        }
    }

    enum Family {
        case any, ipv4, ipv6

        func match(_ addresses: ACLAddresses, side: String) -> String? {
            switch self {
            case .any: nil
            case .ipv4: addresses.ipv4.isEmpty ? nil : "ip \(side) \(ACLCompiler.set(addresses.ipv4.map(ACLCompiler.text)))"
            case .ipv6: addresses.ipv6.isEmpty ? nil : "ip6 \(side) \(ACLCompiler.set(addresses.ipv6.map(ACLCompiler.text)))"
            }
        }
    }

    static func merged(_ list: [ACLAddresses]) -> ACLAddresses {
        var seen4 = Set<InterfaceAddress>(), seen6 = Set<InterfaceAddress>()
        var out = ACLAddresses()
        for addresses in list {
            for a in addresses.ipv4 where seen4.insert(a.subnet).inserted { out.ipv4.append(a.subnet) }
            for a in addresses.ipv6 where seen6.insert(a.subnet).inserted { out.ipv6.append(a.subnet) }
        }
        return out
    }

    static func text(_ address: InterfaceAddress) -> String {
        address.prefixLength == address.address.maxPrefixLength ? address.address.description : address.description
    }

    static func set(_ items: [String]) -> String {
        items.count == 1 ? items[0] : "{ " + items.joined(separator: ", ") + " }"
    }
}

extension NWFilterPortRuleset {
    /// This ruleset with the port's ACL chains in front of its IP-layer rules: the bridge
    /// chain marks the port's packets (the inet family finds the port by that mark), and the
    /// port's inet chains jump to the ACL chains first.
    public func adding(acl: (egress: NWFilterChainRules, ingress: NWFilterChainRules)) -> NWFilterPortRuleset {
        let names = NWFilterChainNames(device: port.device)
        var result = self
        let mark = NWFilterMarks.setFrom(port.id)
        if let at = result.bridgeChains.firstIndex(where: { $0.name == names.out }) {
            if result.bridgeChains[at].rules.first != mark { result.bridgeChains[at].rules.insert(mark, at: 0) }
        } else {
            result.bridgeChains.insert(NWFilterChainRules(name: names.out, rules: [mark]), at: 0)
        }
        if !result.bridgeChains.contains(where: { $0.name == names.in }) {
            result.bridgeChains.append(NWFilterChainRules(name: names.in, rules: []))
        }
        var inet = result.inetChains
        if inet.isEmpty {
            inet = [NWFilterChainRules(name: names.out, rules: ["return"]), NWFilterChainRules(name: names.in, rules: ["accept"])]
        }
        for index in inet.indices {
            if inet[index].name == names.out { inet[index].rules.insert("jump \(acl.egress.name)", at: 0) }
            if inet[index].name == names.in { inet[index].rules.insert("jump \(acl.ingress.name)", at: 0) }
        }
        // The chains jumped to are created first.
        result.inetChains = [acl.egress, acl.ingress] + inet
        return result
    }
}
