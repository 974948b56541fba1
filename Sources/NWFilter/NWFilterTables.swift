/// The nft commands for Patchbay's two nwfilter tables: `bridge patchbay_nwfilter` for the
/// Ethernet layer and `inet patchbay_nwfilter` for the IP layer. Base chains dispatch through
/// verdict maps keyed by the port (its device name in the bridge family, its mark id in the
/// inet family), so the cost per packet is one hash lookup however many ports there are —
/// where libvirt walks a jump per interface.
///
/// Every list of commands here is meant to run as one libnftables transaction: a port's rules
/// change all at once or not at all, and a port that has a filter is never without it.
public enum NWFilterTables {
    public static let bridge = "bridge patchbay_nwfilter"
    public static let inet = "inet patchbay_nwfilter"

    /// Creates both tables and their base chains, or re-writes the base chains' rules of
    /// existing ones; ports' chains and map elements are left as they are.
    public static func setup() -> [String] {
        let fromMask = NWFilterMarks.hex(NWFilterMarks.fromMask), toMask = NWFilterMarks.hex(NWFilterMarks.toMask)
        return [
            "add table \(bridge)",
            "add map \(bridge) from_port { type ifname : verdict; }",
            "add map \(bridge) to_port { type ifname : verdict; }",
            "add map \(bridge) mark_port { type ifname : verdict; }",
            // Early, so the filter sees frames before anything else in the bridge acts on them.
            "add chain \(bridge) prerouting { type filter hook prerouting priority -300; policy accept; }",
            "flush chain \(bridge) prerouting",
            "add rule \(bridge) prerouting iifname vmap @from_port",
            // Before br_netfilter's forward hook (priority 0), which hands the frame to inet.
            "add chain \(bridge) forward { type filter hook forward priority -300; policy accept; }",
            "flush chain \(bridge) forward",
            "add rule \(bridge) forward oifname vmap @mark_port",
            "add chain \(bridge) postrouting { type filter hook postrouting priority -300; policy accept; }",
            "flush chain \(bridge) postrouting",
            "add rule \(bridge) postrouting oifname vmap @to_port",

            "add table \(inet)",
            "add map \(inet) from_id { type mark : verdict; }",
            "add map \(inet) to_id { type mark : verdict; }",
            "add map \(inet) to_addr4 { type ipv4_addr : verdict; }",
            "add map \(inet) to_addr6 { type ipv6_addr : verdict; }",
            // Ahead of Patchbay's own forward filtering (priority 0) and NAT.
            "add chain \(inet) forward { type filter hook forward priority -5; policy accept; }",
            "flush chain \(inet) forward",
            "add rule \(inet) forward meta mark & \(fromMask) vmap @from_id",
            "add rule \(inet) forward meta mark & \(toMask) vmap @to_id",
            // Routed to a guest: the bridge has not chosen the port yet, the address says which.
            "add rule \(inet) forward meta mark & \(toMask) == 0 ip daddr vmap @to_addr4",
            "add rule \(inet) forward meta mark & \(toMask) == 0 ip6 daddr vmap @to_addr6",
            "add chain \(inet) input { type filter hook input priority -5; policy accept; }",
            "flush chain \(inet) input",
            "add rule \(inet) input meta mark & \(fromMask) vmap @from_id",
            "add chain \(inet) output { type filter hook output priority -5; policy accept; }",
            "flush chain \(inet) output",
            "add rule \(inet) output ip daddr vmap @to_addr4",
            "add rule \(inet) output ip6 daddr vmap @to_addr6",
        ]
    }

    /// Puts `ruleset` in place of `previous` (the same port's last ruleset, nil for a new port):
    /// chains re-filled, stale chains and map elements removed, new ones added.
    public static func apply(_ ruleset: NWFilterPortRuleset, replacing previous: NWFilterPortRuleset?) -> [String] {
        var commands: [String] = []
        if let previous { commands += removeElements(previous, keeping: ruleset) }
        let names = NWFilterChainNames(device: ruleset.port.device)
        let device = quoted(ruleset.port.device)
        // Chains first (a sub-chain must exist before the root chain jumps to it), roots last.
        for chain in ruleset.bridgeChains.reversed() { commands += fill(bridge, chain) }
        if ruleset.hasIPLayer {
            commands += fill(bridge, NWFilterChainRules(name: names.mark, rules: [NWFilterMarks.setTo(ruleset.port.id)]))
            for chain in ruleset.inetChains { commands += fill(inet, chain) }
        }
        commands += elements(ruleset, names: names, device: device).map { "add element \($0)" }
        if let previous {
            let kept = Set(ruleset.bridgeChains.map(\.name) + (ruleset.hasIPLayer ? [names.mark] : []))
            var stale = (previous.bridgeChains.map(\.name) + (previous.hasIPLayer ? [names.mark] : []))
                .filter { !kept.contains($0) }.map { (bridge, $0) }
            let keptInet = Set(ruleset.inetChains.map(\.name))
            stale += previous.inetChains.map(\.name).filter { !keptInet.contains($0) }.map { (inet, $0) }
            // All flushed before any goes: a stale chain may still jump to another stale one.
            commands += stale.map { "flush chain \($0.0) \($0.1)" } + stale.map { "delete chain \($0.0) \($0.1)" }
        }
        return commands
    }

    /// Takes a port's filter away entirely.
    public static func remove(_ ruleset: NWFilterPortRuleset) -> [String] {
        let names = NWFilterChainNames(device: ruleset.port.device)
        var commands = elements(ruleset, names: names, device: quoted(ruleset.port.device)).map { "delete element \($0)" }
        var chains = ruleset.bridgeChains.map { (bridge, $0.name) }
        if ruleset.hasIPLayer { chains += [(bridge, names.mark)] + ruleset.inetChains.map { (inet, $0.name) } }
        commands += chains.map { "flush chain \($0.0) \($0.1)" }
        commands += chains.map { "delete chain \($0.0) \($0.1)" }
        return commands
    }

    static func fill(_ table: String, _ chain: NWFilterChainRules) -> [String] {
        ["add chain \(table) \(chain.name)", "flush chain \(table) \(chain.name)"]
            + chain.rules.map { "add rule \(table) \(chain.name) \($0)" }
    }

    /// The map elements that lead to the port's chains, as `TABLE MAP { KEY : VERDICT }`.
    static func elements(_ ruleset: NWFilterPortRuleset, names: NWFilterChainNames, device: String) -> [String] {
        var out = ["\(bridge) from_port { \(device) : jump \(names.out) }", "\(bridge) to_port { \(device) : jump \(names.in) }"]
        if ruleset.hasIPLayer {
            out.append("\(bridge) mark_port { \(device) : jump \(names.mark) }")
            out.append("\(inet) from_id { \(NWFilterMarks.hex(NWFilterMarks.from(ruleset.port.id))) : jump \(names.out) }")
            out.append("\(inet) to_id { \(NWFilterMarks.hex(NWFilterMarks.to(ruleset.port.id))) : jump \(names.in) }")
            out += ruleset.port.ipv4.map { "\(inet) to_addr4 { \($0) : jump \(names.in) }" }
            out += ruleset.port.ipv6.map { "\(inet) to_addr6 { \($0) : jump \(names.in) }" }
        }
        return out
    }

    static func removeElements(_ previous: NWFilterPortRuleset, keeping next: NWFilterPortRuleset) -> [String] {
        let old = elements(previous, names: NWFilterChainNames(device: previous.port.device), device: quoted(previous.port.device))
        let new = Set(elements(next, names: NWFilterChainNames(device: next.port.device), device: quoted(next.port.device)))
        return old.filter { !new.contains($0) }.map { "delete element \($0)" }
    }

    static func quoted(_ device: String) -> String {
        "\"" + device.replacingOccurrences(of: "\"", with: "") + "\""
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
