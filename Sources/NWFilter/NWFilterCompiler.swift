import PatchbayModel

/// A filtered port as the tables know it: its device, a small number that stands for it in
/// packet marks (bridged IP traffic reaches the inet family with the bridge, not the port, as
/// its device), and the addresses that identify it as the destination of routed traffic.
public struct NWFilterPort: Sendable, Hashable, Codable {
    public var device: String
    public var id: UInt16
    public var ipv4: [IPv4Address]
    public var ipv6: [IPv6Address]

    public init(device: String, id: UInt16, ipv4: [IPv4Address] = [], ipv6: [IPv6Address] = []) {
        self.device = device
        self.id = id
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    /// Ids fit the marks' 15-bit fields; 0 means "no port".
    public static let idRange: ClosedRange<UInt16> = 1...0x7FFF
}

/// One nftables chain's rules, as the text after `add rule FAMILY TABLE CHAIN`.
public struct NWFilterChainRules: Sendable, Hashable, Codable {
    public var name: String
    public var rules: [String]

    public init(name: String, rules: [String]) {
        self.name = name
        self.rules = rules
    }
}

/// Everything one port's filter puts in Patchbay's nwfilter tables.
public struct NWFilterPortRuleset: Sendable, Hashable, Codable {
    public var port: NWFilterPort
    /// `bridge patchbay_nwfilter`: the port's chains (out = from the guest, in = to it), each
    /// root first, then its protocol sub-chains.
    public var bridgeChains: [NWFilterChainRules]
    /// `inet patchbay_nwfilter`: the port's IP-layer chains; empty when its filter has none.
    public var inetChains: [NWFilterChainRules]
    public var ruleCount: Int { bridgeChains.reduce(0) { $0 + $1.rules.count } + inetChains.reduce(0) { $0 + $1.rules.count } }

    public var hasIPLayer: Bool { !inetChains.isEmpty }

    public init(port: NWFilterPort, bridgeChains: [NWFilterChainRules], inetChains: [NWFilterChainRules]) {
        self.port = port
        self.bridgeChains = bridgeChains
        self.inetChains = inetChains
    }
}

/// Turns a port's instantiated rules into nftables chains, with libvirt's semantics
/// (nwfilter_ebiptables_driver.c) and without its jump lists:
///
/// - Ethernet-layer rules go to the port's bridge chains. Rules of a filter with a protocol
///   chain (`arp-mac`, `ipv4-ip`) go to a sub-chain entered only for that protocol, and the
///   jump sits among the root chain's rules at the chain's priority; rules are ordered by
///   priority, ties in document order. `reject` drops (ebtables has no reject either).
/// - IP-layer rules go to the port's inet chains, each as written and mirrored (`ipRules`
///   says which half gets which states). In the chain for traffic from the guest, `accept`
///   returns (so the destination port's rules still run, as libvirt's FI chain returns to
///   FORWARD), in the chain for traffic to the guest it accepts.
public enum NWFilterCompiler {
    public static func compile(_ rules: [NWFilterInstantiatedRule], for port: NWFilterPort)
        throws(NWFilterRenderError) -> NWFilterPortRuleset {
        let names = NWFilterChainNames(device: port.device)
        let ip = rules.filter { $0.layer != .ethernet }
        var bridge: [NWFilterChainRules] = []
        for (direction, root) in [(NWFilterDirection.out, names.out), (.in, names.in)] {
            bridge += try ethernetChains(rules.filter { $0.layer == .ethernet && applies($0.direction, to: direction) },
                                         root: root, port: port, direction: direction, names: names, marks: !ip.isEmpty)
        }
        var inet: [NWFilterChainRules] = []
        if !ip.isEmpty {
            var from: [(Int, Int, String)] = [], to: [(Int, Int, String)] = []
            for (index, rule) in ip.enumerated() {
                for (chain, text) in try ipRules(rule) {
                    if chain == .out { from.append((rule.priority, index, text)) } else { to.append((rule.priority, index, text)) }
                }
            }
            func ordered(_ list: [(Int, Int, String)]) -> [String] {
                list.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
            }
            inet = [NWFilterChainRules(name: names.out, rules: ordered(from) + ["return"]),
                    NWFilterChainRules(name: names.in, rules: ordered(to) + ["accept"])]
        }
        return NWFilterPortRuleset(port: port, bridgeChains: bridge, inetChains: inet)
    }

    static func applies(_ ruleDirection: NWFilterDirection, to chain: NWFilterDirection) -> Bool {
        ruleDirection == .inout || ruleDirection == chain
    }

    // MARK: Ethernet layer

    static func ethernetChains(_ rules: [NWFilterInstantiatedRule], root: String, port: NWFilterPort,
                               direction: NWFilterDirection, names: NWFilterChainNames, marks: Bool)
        throws(NWFilterRenderError) -> [NWFilterChainRules] {
        // Root entries: (priority, order, text). Sub-chains by name, in order of first use.
        var rootEntries: [(Int, Int, String)] = []
        var subchains: [(chain: NWFilterChain, priority: Int, rules: [(Int, Int, String)])] = []
        for (index, rule) in rules.enumerated() {
            let text = try ethernetRule(rule)
            if rule.chain.kind == .root {
                rootEntries.append((rule.priority, index, text))
            } else if let at = subchains.firstIndex(where: { $0.chain == rule.chain }) {
                subchains[at].rules.append((rule.priority, index, text))
                subchains[at].priority = min(subchains[at].priority, rule.chainPriority)
            } else {
                subchains.append((rule.chain, rule.chainPriority, [(rule.priority, index, text)]))
            }
        }
        var chains: [NWFilterChainRules] = []
        for (order, sub) in subchains.enumerated() {
            let name = names.subchain(root, sub.chain)
            let entry = (sub.chain.kind.entryMatch.map { $0 + " " } ?? "") + "jump \(name)"
            // A jump placed at its chain's priority, after the root rules of the same priority.
            rootEntries.append((sub.priority, rules.count + order, entry))
            chains.append(NWFilterChainRules(name: name, rules: sub.rules.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)))
        }
        var rootRules = rootEntries.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        if direction == .out && marks {
            // The port's mark for the inet table, set before any verdict.
            rootRules.insert(NWFilterMarks.setFrom(port.id), at: 0)
        }
        return [NWFilterChainRules(name: root, rules: rootRules)] + chains
    }

    static func ethernetRule(_ rule: NWFilterInstantiatedRule) throws(NWFilterRenderError) -> String {
        var parts = try rule.match.map { m throws(NWFilterRenderError) in try NWFilterMatchRendering.ethernet(m, filter: rule.filter) } ?? []
        parts.append("counter")
        switch rule.action {
        case .accept: parts.append("accept")
        case .drop, .reject: parts.append("drop")
        case .return: parts.append("return")
        case .continue: break
        }
        parts.append(comment(rule))
        return parts.joined(separator: " ")
    }

    // MARK: IP layer

    /// The rule's halves: (chain direction, text), as libvirt's iptables layer makes them
    /// (nwfilterxml2firewalldata): the rule as written in its direction's chain — `inout`
    /// counts as `in` there — and its mirror, source and destination swapped, in the other.
    /// A stateful accept has NEW,ESTABLISHED as written and ESTABLISHED mirrored; anything else
    /// is stateless in both halves. ICMP with a type, rules with explicit states and connection
    /// limits have no mirror (a reply has another type; the states say what to match; a limit
    /// counts one side's connections), nor does a rule that would match everything once the
    /// guest's MAC, which a mirror cannot test, is gone.
    static func ipRules(_ rule: NWFilterInstantiatedRule) throws(NWFilterRenderError) -> [(NWFilterDirection, String)] {
        guard let match = rule.match else { return [] }
        var explicit: NWFilterConnectionStates?
        if case .connectionStates(let states)? = match[.state]?.value { explicit = states }
        let icmpWithType = (match.protocol == .icmp || match.protocol == .icmpv6) && match[.type] != nil
        let direction: NWFilterDirection = rule.direction == .out ? .out : .in
        let mirrorDirection: NWFilterDirection = direction == .out ? .in : .out
        let written = try NWFilterMatchRendering.ip(match, orientation: .asWritten, filter: rule.filter)
        let mirror = try NWFilterMatchRendering.ip(match, orientation: .mirrored, filter: rule.filter)
        let onlyMAC = match[.srcmacaddr] != nil
            && match.fields.keys.allSatisfy { $0 == .srcmacaddr || $0 == .comment }
        let mirrored = explicit == nil && !icmpWithType && !onlyMAC && match[.connlimitAbove] == nil

        if let explicit {
            let states = explicit == NWFilterConnectionStates.none ? [] : ["ct state \(Self.states(explicit))"]
            return [(direction, text(written + (rule.stateMatch ? states : []), rule, direction))]
        }
        if rule.action == .accept && rule.stateMatch {
            let original = icmpWithType ? [] : ["ct direction original"]
            var halves = [(direction, text(written + ["ct state new,established"] + original, rule, direction))]
            if mirrored {
                halves.append((mirrorDirection, text(mirror + ["ct state established", "ct direction reply"], rule, mirrorDirection)))
            }
            return halves
        }
        var halves = [(direction, text(written, rule, direction))]
        if mirrored { halves.append((mirrorDirection, text(mirror, rule, mirrorDirection))) }
        return halves
    }

    static func states(_ states: NWFilterConnectionStates) -> String {
        [(NWFilterConnectionStates.new, "new"), (.established, "established"), (.related, "related"), (.invalid, "invalid")]
            .filter { states.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    static func text(_ parts: [String], _ rule: NWFilterInstantiatedRule, _ chain: NWFilterDirection) -> String {
        var parts = parts
        parts.append("counter")
        switch rule.action {
        case .accept: parts.append(chain == .out ? "return" : "accept")
        case .drop: parts.append("drop")
        case .reject: parts.append("reject")
        case .return: parts.append("return")
        case .continue: break
        }
        parts.append(comment(rule))
        return parts.joined(separator: " ")
    }

    /// Which filter and priority a rule came from, for `nft list` and the hit counters; the
    /// rule's own comment when it has one. nft keeps at most 127 bytes and no double quotes.
    static func comment(_ rule: NWFilterInstantiatedRule) -> String {
        var text = "\(rule.filter) \(rule.priority)"
        if case .text(let c)? = rule.match?[.comment]?.value, !c.isEmpty { text += ": " + c }
        text = String(text.unicodeScalars.map { $0 == "\"" || $0 == "\\" || $0.value < 0x20 ? "'" : Character($0) })
        return "comment \"\(NWFilterValueText.truncated(text, toBytes: 127))\""
    }
}

extension NWFilterChain.Kind {
    /// What lets a frame into a protocol chain (ebtablesCreateTmpSubChain's protocol match).
    var entryMatch: String? {
        switch self {
        case .root, .mac: nil
        case .vlan: "ether type 8021q"
        case .stp: "ether daddr 01:80:c2:00:00:00"
        case .arp: "ether type arp"
        case .rarp: "ether type 0x8035"
        case .ipv4: "ether type ip"
        case .ipv6: "ether type ip6"
        }
    }
}

/// Chain names for one port. Device names are kept when nft can read them as identifiers;
/// anything else becomes a stable hash, so every port's chains have valid, distinct names.
struct NWFilterChainNames {
    let tag: String

    init(device: String) {
        let plain = device.utf8.allSatisfy { b in
            NWFilterVariableAccess.isNameByte(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
        }
        if plain {
            tag = device
        } else {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in device.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
            tag = "x" + String(hash, radix: 16)
        }
    }

    var out: String { "o-" + tag }
    var `in`: String { "i-" + tag }
    var mark: String { "m-" + tag }

    func subchain(_ root: String, _ chain: NWFilterChain) -> String {
        root + "-" + chain.name.replacingColons()
    }
}

extension String {
    fileprivate func replacingColons() -> String {
        String(unicodeScalars.map { $0 == ":" ? "." : Character($0) })
    }
}

/// The packet mark bits Patchbay's nwfilter tables use to carry port identity from the bridge
/// family (which sees ports) to the inet family (which sees the bridge): bits 17–31 the port the
/// packet came from, bits 2–16 the port it goes to. Bits 0–1 are left to others.
public enum NWFilterMarks {
    public static let fromMask: UInt32 = 0xFFFE_0000
    public static let toMask: UInt32 = 0x0001_FFFC
    public static func from(_ id: UInt16) -> UInt32 { UInt32(id) << 17 }
    public static func to(_ id: UInt16) -> UInt32 { UInt32(id) << 2 }

    static func setFrom(_ id: UInt16) -> String {
        "meta mark set meta mark & \(hex(~fromMask)) | \(hex(from(id)))"
    }

    static func setTo(_ id: UInt16) -> String {
        "meta mark set meta mark & \(hex(~toMask)) | \(hex(to(id)))"
    }

    static func hex(_ n: UInt32) -> String { NWFilterMatchRendering.hex(n, width: 8) }
}
