import PatchbayModel

/// A filtered port as the tables know it: its device, a small number that stands for it in
/// packet marks (bridged IP traffic reaches the inet family with the bridge, not the port, as
/// its device), and the addresses that identify it as the destination of routed traffic.
public struct NWFilterPort: Sendable, Hashable, Codable {
    public var device: String
    public var id: UInt16
    public var ipv4: [IPv4Address]
    public var ipv6: [IPv6Address]
    /// Whether dropped and rejected packets are logged, and where.
    public var logging: NWFilterLogging?

    public init(device: String, id: UInt16, ipv4: [IPv4Address] = [], ipv6: [IPv6Address] = [], logging: NWFilterLogging? = nil) {
        self.device = device
        self.id = id
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.logging = logging
    }

    /// Ids fit the marks' 15-bit fields; 0 means "no port".
    public static let idRange: ClosedRange<UInt16> = 1...0x7FFF
}

/// Logging of the packets a port's filter drops or rejects (a binding's `CTRL_LOG=drops`, with
/// `CTRL_LOG_GROUP=N` for an NFLOG group instead of the kernel log), at most ten a second per
/// rule so a flood cannot fill the log.
public struct NWFilterLogging: Sendable, Hashable, Codable {
    public var group: UInt16?

    public init(group: UInt16? = nil) { self.group = group }

    /// The log rule that goes right before a dropping rule: same match, no verdict.
    func rule(_ match: [String], device: String, filter: String, priority: Int) -> String {
        let prefix = NWFilterValueText.truncated("patchbay \(device) \(filter) \(priority) drop: ", toBytes: 127)
            .replacingQuotes()
        return (match + ["limit rate 10/second burst 20 packets", "log prefix \"\(prefix)\"" + (group.map { " group \($0)" } ?? "")])
            .joined(separator: " ")
    }
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
            var order = 0
            for rule in ip {
                for (chain, text) in try ipRules(rule, logging: port.logging, device: port.device) {
                    if chain == .out { from.append((rule.priority, order, text)) } else { to.append((rule.priority, order, text)) }
                    order += 1
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
        // Entries: (priority, order, texts) — a rule is one text, or a log rule and the rule.
        var rootEntries: [(Int, Int, [String])] = []
        var subchains: [(chain: NWFilterChain, priority: Int, rules: [(Int, Int, [String])])] = []
        for (index, rule) in rules.enumerated() {
            let texts = try ethernetRule(rule, port: port)
            if rule.chain.kind == .root {
                rootEntries.append((rule.priority, index, texts))
            } else if let at = subchains.firstIndex(where: { $0.chain == rule.chain }) {
                subchains[at].rules.append((rule.priority, index, texts))
                subchains[at].priority = min(subchains[at].priority, rule.chainPriority)
            } else {
                subchains.append((rule.chain, rule.chainPriority, [(rule.priority, index, texts)]))
            }
        }
        func ordered(_ entries: [(Int, Int, [String])]) -> [String] {
            entries.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.flatMap(\.2)
        }
        var chains: [NWFilterChainRules] = []
        for (order, sub) in subchains.enumerated() {
            let name = names.subchain(root, sub.chain)
            let entry = (sub.chain.kind.entryMatch.map { $0 + " " } ?? "") + "jump \(name)"
            // A jump placed at its chain's priority, after the root rules of the same priority.
            rootEntries.append((sub.priority, rules.count + order, [entry]))
            chains.append(NWFilterChainRules(name: name, rules: ordered(sub.rules)))
        }
        var rootRules = ordered(rootEntries)
        if direction == .out && marks {
            // The port's mark for the inet table, set before any verdict.
            rootRules.insert(NWFilterMarks.setFrom(port.id), at: 0)
        }
        return [NWFilterChainRules(name: root, rules: rootRules)] + chains
    }

    static func ethernetRule(_ rule: NWFilterInstantiatedRule, port: NWFilterPort) throws(NWFilterRenderError) -> [String] {
        var parts = try rule.match.map { m throws(NWFilterRenderError) in try NWFilterMatchRendering.ethernet(m, filter: rule.filter) } ?? []
        var log: [String] = []
        if let logging = port.logging, rule.action == .drop || rule.action == .reject {
            log = [logging.rule(parts, device: port.device, filter: rule.filter, priority: rule.priority)]
        }
        parts.append("counter")
        switch rule.action {
        case .accept: parts.append("accept")
        case .drop, .reject: parts.append("drop")
        case .return: parts.append("return")
        case .continue: break
        }
        parts.append(comment(rule))
        return log + [parts.joined(separator: " ")]
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
    static func ipRules(_ rule: NWFilterInstantiatedRule, logging: NWFilterLogging? = nil, device: String = "")
        throws(NWFilterRenderError) -> [(NWFilterDirection, String)] {
        let halves = try ipHalves(rule)
        guard let logging, rule.action == .drop || rule.action == .reject, let match = rule.match else { return halves }
        // Each dropping half is preceded by its log rule (the same match, without a verdict).
        var out: [(NWFilterDirection, String)] = []
        for (direction, text) in halves {
            let orientation: NWFilterMatchRendering.Orientation = (direction == .out) == (rule.direction == .out) ? .asWritten : .mirrored
            let parts = try NWFilterMatchRendering.ip(match, orientation: orientation, filter: rule.filter)
            out.append((direction, logging.rule(parts, device: device, filter: rule.filter, priority: rule.priority)))
            out.append((direction, text))
        }
        return out
    }

    static func ipHalves(_ rule: NWFilterInstantiatedRule) throws(NWFilterRenderError) -> [(NWFilterDirection, String)] {
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
        return "comment \"\(NWFilterValueText.truncated(text.replacingQuotes(), toBytes: 127))\""
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

    /// nft strings cannot hold double quotes or backslashes.
    fileprivate func replacingQuotes() -> String {
        String(unicodeScalars.map { $0 == "\"" || $0 == "\\" || $0.value < 0x20 ? "'" : Character($0) })
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
