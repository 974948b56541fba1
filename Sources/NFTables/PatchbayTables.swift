import PatchbayModel

/// Patchbay's two nftables tables and the commands that build them. Nothing here touches any
/// other table.
///
/// `inet patchbay` filters forwarded traffic: one base chain on the forward hook dispatches by
/// interface through two verdict maps (`from_bridge`, `to_bridge`) to per-network chains, so a
/// packet costs two hash lookups whatever the number of networks, and starting or stopping a
/// network adds or removes map elements and its own chains only.
/// `ip patchbay_nat` does NAT: the postrouting base chain dispatches by source address through an
/// interval verdict map (`nat_sources`) to per-network chains; port forwards sit in one chain
/// reached from prerouting for packets addressed to the host. (The input interface cannot be the
/// key: in postrouting the kernel reports the output device as the input one for forwarded
/// packets.)
public enum PatchbayTables {
    public static let filter = "inet patchbay"
    public static let nat = "ip patchbay_nat"

    /// The tables with their base chains, maps and the set of every bridge Patchbay judges;
    /// idempotent (it re-creates only the rules of each base chain and the set's elements), so
    /// every transaction starts with it.
    ///
    /// Fail closed: after the verdict-map dispatch, forwarded traffic of any of `bridges` is
    /// dropped. A network's chain always ends in a verdict, so that rule only ever matches when a
    /// network's map entry is missing, and then an isolated network stays isolated instead of
    /// falling through to the chain's accept policy.
    ///
    /// `natChains` are declared before the NAT interval map: nft 1.0.6 refuses (ENOENT) an
    /// element of a new interval map that jumps to a chain declared after the map in the same
    /// transaction, so the whole state can be built in one.
    public static func base(bridges: [String], natChains: [String] = []) -> [String] {
        var commands = [
            "add table \(filter)",
            "add map \(filter) from_bridge { type ifname : verdict; }",
            "add map \(filter) to_bridge { type ifname : verdict; }",
            "add set \(filter) bridges { type ifname; }",
            "flush set \(filter) bridges",
        ]
        if !bridges.isEmpty {
            commands.append("add element \(filter) bridges { \(bridges.map(quoted).joined(separator: ", ")) }")
        }
        commands += [
            "add chain \(filter) forward { type filter hook forward priority filter; policy accept; }",
            "flush chain \(filter) forward",
            "add rule \(filter) forward iifname vmap @from_bridge",
            "add rule \(filter) forward oifname vmap @to_bridge",
            "add rule \(filter) forward iifname @bridges drop",
            "add rule \(filter) forward oifname @bridges drop",
            "add table \(nat)",
        ]
        commands += natChains.map { "add chain \(nat) \($0)" }
        commands += [
            "add map \(nat) nat_sources { type ipv4_addr : verdict; flags interval; }",
            "add chain \(nat) postrouting { type nat hook postrouting priority srcnat; policy accept; }",
            "flush chain \(nat) postrouting",
            "add rule \(nat) postrouting ip saddr vmap @nat_sources",
            "add chain \(nat) port_forwards",
            "add chain \(nat) prerouting { type nat hook prerouting priority dstnat; policy accept; }",
            "flush chain \(nat) prerouting",
            "add rule \(nat) prerouting fib daddr type local jump port_forwards",
        ]
        return commands
    }

    /// Removes both tables (the last network went away).
    public static var removal: [String] {
        ["add table \(filter)", "delete table \(filter)", "add table \(nat)", "delete table \(nat)"]
    }

    /// Adds (or replaces) the chains and map elements of `network`.
    public static func add(_ network: FirewallNetwork) -> [String] {
        let br = network.bridge
        var commands: [String] = []
        func chain(_ table: String, _ name: String, _ rules: [String]) {
            commands += ["add chain \(table) \(name)", "flush chain \(table) \(name)"]
            commands += rules.map { "add rule \(table) \(name) \($0)" }
        }
        chain(filter, outChain(br), outRules(network))
        chain(filter, inChain(br), inRules(network))
        commands.append("add element \(filter) from_bridge { \(quoted(br)) : jump \(outChain(br)) }")
        commands.append("add element \(filter) to_bridge { \(quoted(br)) : jump \(inChain(br)) }")
        if network.mode == .nat, !network.ipv4Subnets.isEmpty {
            chain(nat, natChain(br), natRules(network))
            let elements = network.ipv4Subnets.map { "\($0) : jump \(natChain(br))" }.joined(separator: ", ")
            commands.append("add element \(nat) nat_sources { \(elements) }")
        }
        return commands
    }

    /// Removes the chains and map elements of `network`.
    public static func remove(_ network: FirewallNetwork) -> [String] {
        let br = network.bridge
        var commands = [
            "delete element \(filter) from_bridge { \(quoted(br)) }",
            "delete element \(filter) to_bridge { \(quoted(br)) }",
            "flush chain \(filter) \(outChain(br))", "delete chain \(filter) \(outChain(br))",
            "flush chain \(filter) \(inChain(br))", "delete chain \(filter) \(inChain(br))",
        ]
        if network.mode == .nat, !network.ipv4Subnets.isEmpty {
            commands.append("delete element \(nat) nat_sources { \(network.ipv4Subnets.map(\.description).joined(separator: ", ")) }")
            commands += ["flush chain \(nat) \(natChain(br))", "delete chain \(nat) \(natChain(br))"]
        }
        return commands
    }

    /// The port forward chain, rebuilt from every running nat network's forwards.
    public static func portForwards(_ state: FirewallState) -> [String] {
        var commands = ["flush chain \(nat) port_forwards"]
        for forward in state.activePortForwards {
            let target = forward.guestPort.map { "\(forward.guestAddress):\($0)" } ?? forward.guestAddress.description
            commands.append("add rule \(nat) port_forwards \(forward.transport.rawValue) dport \(forward.hostPorts) dnat to \(target)")
        }
        return commands
    }

    /// The one transaction that takes the tables from `old` (what was applied last) to `new`:
    /// only the fragments that differ are removed and added again; the port forward chain is
    /// rebuilt when any forward or nat network changed.
    public static func transaction(from old: FirewallState, to new: FirewallState) -> [String] {
        guard !new.networks.isEmpty else { return removal }
        var commands = base(bridges: new.bridges, natChains: natChains(new))
        for (name, network) in old.networks.sorted(by: { $0.key < $1.key }) where new.networks[name] != network {
            commands += remove(network)
        }
        for network in new.sortedNetworks where old.networks[network.name] != network {
            commands += add(network)
        }
        commands += portForwards(new)
        return commands
    }

    /// Everything for `state`, from scratch, in one transaction: the tables deleted and
    /// re-created. Either all of it is in force afterwards or, if the kernel refuses any of it,
    /// nothing changed.
    public static func rebuild(_ state: FirewallState) -> [String] {
        guard !state.networks.isEmpty else { return removal }
        return removal + base(bridges: state.bridges, natChains: natChains(state)) + state.sortedNetworks.flatMap(add) + portForwards(state)
    }

    static func natChains(_ state: FirewallState) -> [String] {
        state.sortedNetworks.filter { $0.mode == .nat && !$0.ipv4Subnets.isEmpty }.map { natChain($0.bridge) }
    }

    // MARK: Per-network rules (libvirt's, from its iptables/nftables firewall backends)

    static func outRules(_ network: FirewallNetwork) -> [String] {
        let br = quoted(network.bridge)
        let dev = network.forwardDevice.map { " oifname \(quoted($0))" } ?? ""
        // A network that isolates its ports: nothing a guest routes through the gateway goes
        // back onto the bridge, ahead of the accepts below (the bridge's port isolation would be
        // undone by a guest routing to another via the gateway). Bridged traffic, which
        // br_netfilter also shows here, is addressed to the other guest and passes.
        var rules: [String] = network.isolatedGatewayMAC.map { ["oifname \(br) ether daddr \($0) drop"] } ?? []
        switch network.mode {
        case .nat, .route:
            // First, since it is what nearly every packet leaving the bridge matches.
            rules += network.ipv4Subnets.map { "ip saddr \($0)\(dev) accept" }
            rules += network.ipv6Subnets.map { "ip6 saddr \($0)\(dev) accept" }
        case .isolated:
            break
        }
        // Guests may talk to each other through the host (libvirt's LIBVIRT_FWX).
        rules.append("oifname \(br) accept")
        return rules + ["reject with icmpx type port-unreachable"]
    }

    static func inRules(_ network: FirewallNetwork) -> [String] {
        let dev = network.forwardDevice.map { " iifname \(quoted($0))" } ?? ""
        var rules: [String] = []
        switch network.mode {
        case .nat:
            // Only replies come back in, and connections a port forward sent here.
            for subnet in network.ipv4Subnets {
                rules.append("ip daddr \(subnet)\(dev) ct state established,related accept")
                rules.append("ip daddr \(subnet) ct status dnat accept")
            }
            // IPv6 in a nat network is routed, as libvirt does.
            rules += network.ipv6Subnets.map { "ip6 daddr \($0)\(dev) accept" }
        case .route:
            rules += network.ipv4Subnets.map { "ip daddr \($0)\(dev) accept" }
            rules += network.ipv6Subnets.map { "ip6 daddr \($0)\(dev) accept" }
        case .isolated:
            break
        }
        return rules + ["reject with icmpx type port-unreachable"]
    }

    static func natRules(_ network: FirewallNetwork) -> [String] {
        let dev = network.forwardDevice.map { "oifname \(quoted($0)) " } ?? ""
        let ports = "\(network.natPorts.start)-\(network.natPorts.end)"
        var rules: [String] = []
        for subnet in network.ipv4Subnets {
            let from = "ip saddr \(subnet) "
            // Hairpin: a guest reaching another guest through a port forward on the host's
            // address must see the reply come from the host.
            rules.append("\(from)ip daddr \(subnet) ct status dnat masquerade")
            rules.append("\(from)ip daddr \(subnet) return")
            // libvirt leaves multicast and broadcast alone.
            rules.append("\(from)ip daddr 224.0.0.0/24 return")
            rules.append("\(from)ip daddr 255.255.255.255 return")
            if let range = network.natAddresses {
                let addresses = range.start == range.end ? "\(range.start)" : "\(range.start)-\(range.end)"
                rules.append("\(from)\(dev)meta l4proto { tcp, udp } snat to \(addresses):\(ports)")
                rules.append("\(from)\(dev)snat to \(addresses)")
            } else {
                rules.append("\(from)\(dev)meta l4proto { tcp, udp } masquerade to :\(ports)")
                rules.append("\(from)\(dev)masquerade")
            }
        }
        return rules
    }

    static func outChain(_ bridge: String) -> String { "out_\(bridge)" }
    static func inChain(_ bridge: String) -> String { "in_\(bridge)" }
    static func natChain(_ bridge: String) -> String { "nat_\(bridge)" }

    /// An interface name as an nft string literal. `FirewallNetwork` has already refused names
    /// that are not `isUsableInterfaceName`, so nothing here can end the literal.
    static func quoted(_ name: String) -> String { "\"\(name)\"" }

    /// Whether `name` can be used in rules: a valid kernel interface name (1-15 bytes, no '/',
    /// whitespace, quotes or control characters) whose chain names nft accepts.
    public static func isUsableInterfaceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 15, name != ".", name != ".." else { return false }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }
}
