/// The seed's troubleshooting table as rules over `DoctorFacts`: one check per row and per
/// network (or port), each saying what it looked at, what it found and, when something is wrong,
/// the likely cause and the fix. Pure: the daemon gathers, this judges.
public enum DoctorRules {
    public static func evaluate(_ facts: DoctorFacts) -> DoctorReport {
        var checks: [DoctorCheck] = []
        if !facts.probed {
            checks.append(DoctorCheck(id: "doctor-probe", status: .warning, checked: "the doctor's readings of the kernel",
                                      found: "unavailable: the daemon could not open its netlink session; only the store's facts were checked",
                                      fix: "see patchbayd's log at start for the error"))
        }
        let active = facts.networks.filter(\.active)
        let routed = active.filter { $0.forwardMode == .nat || $0.forwardMode == .route }
        if facts.probed {
            checks.append(forwarding(facts, routed: routed))
            for network in active where network.forwardMode == .nat { checks.append(upstream(facts, network)) }
        }
        checks.append(foreignDrops(facts, bridges: active.compactMap(\.bridge)))
        checks.append(bridgeNetfilter(facts, bridged: !active.filter { $0.forwardMode.createsBridge }.isEmpty))
        if facts.probed, !active.filter({ $0.forwardMode.createsBridge }).isEmpty { checks.append(dns(facts)) }
        for network in active where network.forwardMode.createsBridge {
            checks += networkChecks(network, moves: facts.recentMoves.filter { $0.network == network.name })
        }
        for network in facts.networks where !network.active {
            checks.append(DoctorCheck(id: "network-active", network: network.name, status: .skipped, checked: "whether the network runs",
                                      found: "network '\(network.name)' is defined but not started; nothing else was checked on it",
                                      fix: "patchbay net-start \(network.name)"))
        }
        return DoctorReport(checks: checks)
    }

    // MARK: the host

    static func forwarding(_ facts: DoctorFacts, routed: [DoctorFacts.NetworkFacts]) -> DoctorCheck {
        let checked = "IPv4 forwarding (net.ipv4.ip_forward), which NAT and routed networks need"
        guard !routed.isEmpty else {
            return DoctorCheck(id: "ip-forwarding", status: .skipped, checked: checked, found: "no NAT or routed network is running")
        }
        switch facts.ipv4Forwarding {
        case true?:
            return DoctorCheck(id: "ip-forwarding", status: .ok, checked: checked, found: "on")
        case false?:
            let names = routed.map(\.name).joined(separator: ", ")
            return DoctorCheck(id: "ip-forwarding", status: .error, checked: checked,
                               found: "off: guests of \(names) cannot reach anything beyond their bridge",
                               cause: "something turned net.ipv4.ip_forward off after Patchbay started the network (a sysctl.d file applied late, a firewall service)",
                               fix: "sysctl -w net.ipv4.ip_forward=1, and find what sets it to 0 (grep -r ip_forward /etc/sysctl.conf /etc/sysctl.d)")
        case nil:
            return DoctorCheck(id: "ip-forwarding", status: .warning, checked: checked, found: "/proc/sys/net/ipv4/ip_forward cannot be read")
        }
    }

    static func upstream(_ facts: DoctorFacts, _ network: DoctorFacts.NetworkFacts) -> DoctorCheck {
        let checked = "the upstream NAT sends the network's traffic to"
        if let device = network.forwardDevice {
            guard let up = network.forwardDeviceUp else {
                return DoctorCheck(id: "upstream", network: network.name, status: .error, checked: checked,
                                   found: "<forward dev='\(device)'> names a device that does not exist",
                                   cause: "the NIC was renamed or removed", fix: "patchbay net-edit \(network.name) and name the uplink that exists")
            }
            guard up else {
                return DoctorCheck(id: "upstream", network: network.name, status: .error, checked: checked, found: "\(device) is down",
                                   cause: "the uplink is administratively down or has no carrier", fix: "ip link set \(device) up; check its cable or its own network")
            }
        }
        guard let route = facts.defaultRouteDevice else {
            return DoctorCheck(id: "upstream", network: network.name, status: .error, checked: checked,
                               found: "the host has no default route: guests of '\(network.name)' can reach only directly attached networks",
                               cause: "the host itself is offline, or its uplink lost its DHCP lease",
                               fix: "give the host a default route (ip route add default via GATEWAY), or check NetworkManager/systemd-networkd")
        }
        if let device = network.forwardDevice, device != route {
            return DoctorCheck(id: "upstream", network: network.name, status: .warning, checked: checked,
                               found: "NAT is restricted to \(device), but the default route leaves through \(route)",
                               cause: "<forward dev> names an uplink the host does not route through",
                               fix: "patchbay net-edit \(network.name): <forward mode='nat' dev='\(route)'/>, or drop dev")
        }
        return DoctorCheck(id: "upstream", network: network.name, status: .ok, checked: checked, found: "default route through \(route)")
    }

    static func foreignDrops(_ facts: DoctorFacts, bridges: [String]) -> DoctorCheck {
        let checked = "other programs' forward chains (Docker, firewalld) that drop what they do not know"
        guard !bridges.isEmpty else { return DoctorCheck(id: "foreign-forward-chain", status: .skipped, checked: checked, found: "no bridge is running") }
        let unhandled = facts.foreignDrops.compactMap { drop -> (DoctorFacts.ForeignDrop, [String])? in
            let missing = bridges.filter { !drop.openedFor.contains($0) }
            return missing.isEmpty ? nil : (drop, missing)
        }
        guard let (drop, missing) = unhandled.first else {
            let found = facts.foreignDrops.isEmpty ? "none" : facts.foreignDrops.map { "\($0.chain) (\($0.reason); opened for Patchbay's bridges)" }.joined(separator: ", ")
            return DoctorCheck(id: "foreign-forward-chain", status: .ok, checked: checked, found: found)
        }
        let others = unhandled.count > 1 ? " (and \(unhandled.count - 1) more)" : ""
        return DoctorCheck(id: "foreign-forward-chain", status: .error, checked: checked,
                           found: "\(drop.chain) drops forwarded traffic (\(drop.reason)) and is not opened for \(missing.joined(separator: ", "))\(others)",
                           cause: facts.firewallCoexistence ? "the chain appeared after Patchbay last wrote its rules"
                               : "patchbayd runs with --no-firewall-coexistence, so it leaves other programs' chains alone",
                           fix: facts.firewallCoexistence ? "restart patchbayd (or stop and start the network) so it opens the chain again"
                               : "run patchbayd without --no-firewall-coexistence, or accept the bridges in that chain yourself (iif/oif BRIDGE accept)")
    }

    static func bridgeNetfilter(_ facts: DoctorFacts, bridged: Bool) -> DoctorCheck {
        let checked = "bridge-nf-call-iptables: whether frames between guests of one bridge go through the host's IP firewall"
        guard bridged else { return DoctorCheck(id: "bridge-netfilter", status: .skipped, checked: checked, found: "no bridge is running") }
        guard let on = facts.bridgeNFCallIptables else {
            return DoctorCheck(id: "bridge-netfilter", status: .ok, checked: checked, found: "br_netfilter is not loaded: bridged frames skip the IP firewall")
        }
        guard on else { return DoctorCheck(id: "bridge-netfilter", status: .ok, checked: checked, found: "off") }
        let dropping = facts.foreignDrops.filter { drop in facts.networks.contains { $0.bridge.map { !drop.openedFor.contains($0) } ?? false } }
        guard let first = dropping.first else {
            return DoctorCheck(id: "bridge-netfilter", status: .ok, checked: checked,
                               found: "on, and no forward chain drops the bridges' traffic (Patchbay's own rules allow it)")
        }
        return DoctorCheck(id: "bridge-netfilter", status: .error, checked: checked,
                           found: "on, and \(first.chain) drops what it does not know: guests on one bridge cannot reach each other",
                           cause: "br_netfilter sends bridged frames through the forward hook, where another program's chain drops them",
                           fix: "sysctl -w net.bridge.bridge-nf-call-iptables=0 if nothing needs it, or open that chain for the bridges")
    }

    static func dns(_ facts: DoctorFacts) -> DoctorCheck {
        let checked = "the upstream DNS servers Patchbay forwards to (from resolv.conf)"
        guard !facts.dnsUpstreams.isEmpty else {
            return DoctorCheck(id: "dns-upstream", status: .warning, checked: checked, found: "none: names outside the networks do not resolve",
                               cause: "resolv.conf lists no nameserver", fix: "add a nameserver to /etc/resolv.conf (or patchbayd --resolv-conf FILE)")
        }
        if let own = facts.dnsUpstreams.first(where: \.isOwn) {
            return DoctorCheck(id: "dns-upstream", status: .error, checked: checked,
                               found: "\(own.address) is one of Patchbay's own DNS servers: queries would go round in a loop",
                               cause: "the host's resolv.conf points at a network's gateway address",
                               fix: "point the host's resolv.conf at a real resolver (or patchbayd --resolv-conf FILE)")
        }
        let failing = facts.dnsUpstreams.filter { $0.failure != nil }
        guard !failing.isEmpty else {
            return DoctorCheck(id: "dns-upstream", status: .ok, checked: checked, found: facts.dnsUpstreams.map(\.address).joined(separator: ", ") + " answer")
        }
        let found = failing.map { "\($0.address): \($0.failure ?? "")" }.joined(separator: "; ")
        return DoctorCheck(id: "dns-upstream", status: failing.count == facts.dnsUpstreams.count ? .error : .warning, checked: checked,
                           found: found, cause: "the resolver is down or unreachable from the host",
                           fix: "check with dig @ADDRESS example.org; fix the host's resolv.conf or its route to the resolver")
    }

    // MARK: one network

    static func networkChecks(_ network: DoctorFacts.NetworkFacts, moves: [PatchbayEvent]) -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        let name = network.name
        checks.append(dhcpAnswers(network))
        checks.append(pool(network))
        checks.append(mtu(network))
        let guests = network.ports.filter { !$0.isUplink }
        for port in guests { checks.append(carrier(network, port)) }
        for port in network.ports { checks.append(bridgeState(network, port)) }
        if network.servesDHCP {
            for port in guests where port.carrier == true { checks.append(lease(network, port)) }
        }
        checks.append(flapping(name, moves))
        checks.append(duplicates(network))
        checks.append(vlans(network))
        return checks
    }

    static func dhcpAnswers(_ network: DoctorFacts.NetworkFacts) -> DoctorCheck {
        let checked = "whether the DHCP server answers a real DISCOVER sent through a temporary port"
        guard network.servesDHCP else {
            return DoctorCheck(id: "dhcp-answers", network: network.name, status: .skipped, checked: checked, found: "the network serves no DHCP")
        }
        switch network.dhcpAnswered {
        case true?:
            return DoctorCheck(id: "dhcp-answers", network: network.name, status: .ok, checked: checked, found: network.dhcpProbeDetail ?? "answered")
        case false?:
            return DoctorCheck(id: "dhcp-answers", network: network.name, status: .error, checked: checked,
                               found: "no OFFER came back" + (network.dhcpProbeDetail.map { " (\($0))" } ?? ""),
                               cause: "a firewall rule drops DHCP (udp 67/68) on the bridge or the host, or the pool has nothing to offer",
                               fix: "nft list ruleset | grep -E 'dport (67|68)'; patchbay net-dhcp-leases \(network.name); patchbay capture \(network.name) --filter 'port 67 or port 68'")
        case nil:
            return DoctorCheck(id: "dhcp-answers", network: network.name, status: .skipped, checked: checked,
                               found: network.dhcpProbeDetail ?? "not probed")
        }
    }

    static func pool(_ network: DoctorFacts.NetworkFacts) -> DoctorCheck {
        let checked = "how much of the DHCP pool is leased"
        guard network.servesDHCP, network.poolSize > 0 else {
            return DoctorCheck(id: "dhcp-pool", network: network.name, status: .skipped, checked: checked, found: "no DHCP range")
        }
        let found = "\(network.leases) of \(network.poolSize) addresses leased"
        if network.leases >= network.poolSize {
            return DoctorCheck(id: "dhcp-pool", network: network.name, status: .error, checked: checked, found: found + ": the pool is exhausted",
                               cause: "more guests than addresses, or leases of guests that are gone",
                               fix: "widen <range> (patchbay net-update \(network.name) modify ip-dhcp-range ...), or shorten <lease expiry>")
        }
        if network.leases * 10 >= network.poolSize * 9 {
            return DoctorCheck(id: "dhcp-pool", network: network.name, status: .warning, checked: checked, found: found + ": nearly exhausted",
                               fix: "widen <range> before new guests find no address")
        }
        return DoctorCheck(id: "dhcp-pool", network: network.name, status: .ok, checked: checked, found: found)
    }

    static func mtu(_ network: DoctorFacts.NetworkFacts) -> DoctorCheck {
        let checked = "MTUs of the bridge, its ports and the uplink"
        guard let bridgeMTU = network.bridgeMTU else {
            return DoctorCheck(id: "mtu", network: network.name, status: .error, checked: checked,
                               found: "bridge \(network.bridge ?? "?") is missing", fix: "patchbay net-destroy \(network.name) && patchbay net-start \(network.name)")
        }
        let expected = network.expectedMTU
        var found = network.ports.compactMap { port in port.mtu.flatMap { $0 != expected ? "\(port.device) ('\(port.owner)') \($0)" : nil } }
        if bridgeMTU != expected { found.insert("bridge \(network.bridge ?? "") \(bridgeMTU)", at: 0) }
        if let uplink = network.forwardDeviceMTU, uplink < expected { found.append("uplink \(network.forwardDevice ?? "") \(uplink)") }
        guard found.isEmpty else {
            return DoctorCheck(id: "mtu", network: network.name, status: .error, checked: checked,
                               found: "the network's MTU is \(expected); " + found.joined(separator: ", "),
                               cause: "a port or uplink set by hand (or by the guest's own tools) to another MTU: large frames are dropped silently, small ones pass",
                               fix: "one MTU for all: <mtu size='N'/> in the network, and the same inside each guest")
        }
        return DoctorCheck(id: "mtu", network: network.name, status: .ok, checked: checked, found: "\(expected) everywhere")
    }

    static func carrier(_ network: DoctorFacts.NetworkFacts, _ port: DoctorFacts.PortFacts) -> DoctorCheck {
        let checked = "the carrier of \(port.device) ('\(port.owner)')"
        switch port.carrier {
        case true?:
            return DoctorCheck(id: "port-carrier", network: network.name, status: .ok, checked: checked, found: "up")
        case false?:
            return DoctorCheck(id: "port-carrier", network: network.name, status: .warning, checked: checked,
                               found: "no carrier: nothing is on the other end of \(port.device)",
                               cause: "the guest is shut down, its QEMU is gone, or the guest set its interface down",
                               fix: "start the guest (virsh start \(port.owner)), or delete the port: patchbay net-port-delete \(network.name) ...")
        case nil:
            return DoctorCheck(id: "port-carrier", network: network.name, status: .error, checked: checked, found: "the device is gone",
                               cause: "it was deleted behind Patchbay's back", fix: "patchbay net-port-delete, and create it again")
        }
    }

    static func bridgeState(_ network: DoctorFacts.NetworkFacts, _ port: DoctorFacts.PortFacts) -> DoctorCheck {
        let checked = "the bridge port state of \(port.device) ('\(port.owner)')"
        guard let state = port.bridgeState else {
            return DoctorCheck(id: "port-state", network: network.name, status: .skipped, checked: checked, found: "not a bridge port")
        }
        // The bridge disables a port that loses its carrier: the carrier check says it.
        if port.carrier == false {
            return DoctorCheck(id: "port-state", network: network.name, status: .skipped, checked: checked,
                               found: "\(state): the port has no carrier")
        }
        switch state {
        case "forwarding":
            return DoctorCheck(id: "port-state", network: network.name, status: .ok, checked: checked, found: "forwarding")
        case "learning", "listening":
            return DoctorCheck(id: "port-state", network: network.name, status: .warning, checked: checked,
                               found: "\(state): STP has not let it forward yet", cause: "the bridge runs STP with a forward delay",
                               fix: "wait for the forward delay, or <bridge stp='off'/> (Patchbay's loop guard protects the bridge instead)")
        default:
            return DoctorCheck(id: "port-state", network: network.name, status: .error, checked: checked,
                               found: "\(state): the port carries no traffic",
                               cause: state == "disabled" ? "the loop guard cut it (a loop through this guest: patchbay event --type loop says which), or it was disabled by hand"
                                   : "STP blocks it: it closes a loop",
                               fix: "remove the loop (a guest bridging two of its interfaces, a cable between two ports); the loop guard lets the port forward again by itself")
        }
    }

    static func lease(_ network: DoctorFacts.NetworkFacts, _ port: DoctorFacts.PortFacts) -> DoctorCheck {
        let checked = "whether \(port.device) ('\(port.owner)', \(port.mac)) holds a DHCP lease"
        guard port.hasLease else {
            return DoctorCheck(id: "guest-lease", network: network.name, status: .warning, checked: checked,
                               found: "'\(port.owner)' has no lease though its port has carrier",
                               cause: "the guest runs no DHCP client, uses a static address, or its requests are dropped (a filter, the per-port limit)",
                               fix: "patchbay capture \(network.name):\(port.device) --filter 'port 67 or port 68' while the guest asks for an address")
        }
        return DoctorCheck(id: "guest-lease", network: network.name, status: .ok, checked: checked, found: "leased")
    }

    static func flapping(_ network: String, _ moves: [PatchbayEvent]) -> DoctorCheck {
        let checked = "MAC addresses moving between ports (recent fdb-moved events)"
        guard let last = moves.last else {
            return DoctorCheck(id: "mac-flapping", network: network, status: .ok, checked: checked, found: "none")
        }
        let macs = Set(moves.compactMap(\.mac)).sorted()
        return DoctorCheck(id: "mac-flapping", network: network, status: .warning, checked: checked,
                           found: "\(moves.count) move(s) of \(macs.joined(separator: ", ")); last: \(last.message)",
                           cause: "two guests use the same MAC address, a guest migrated, or frames loop",
                           fix: "give each guest its own MAC (patchbay net-port-list \(network) --json shows them); patchbay monitor fdb --network \(network) shows the moves live")
    }

    static func duplicates(_ network: DoctorFacts.NetworkFacts) -> DoctorCheck {
        let checked = "addresses more than one guest answers ARP for"
        guard let first = network.duplicates.first else {
            return DoctorCheck(id: "duplicate-ip", network: network.name, status: .ok, checked: checked, found: "none")
        }
        return DoctorCheck(id: "duplicate-ip", network: network.name, status: .error, checked: checked,
                           found: network.duplicates.map { "\($0.ip) is answered by \($0.macs.joined(separator: " and "))" }.joined(separator: "; "),
                           cause: "a guest configured \(first.ip) statically, outside DHCP, while another holds it",
                           fix: "give the static guest an address outside the DHCP range, or a <host> reservation")
    }

    static func vlans(_ network: DoctorFacts.NetworkFacts) -> DoctorCheck {
        let checked = "VLANs the definition names and the ports that carry them"
        guard !network.definedVLANs.isEmpty else {
            return DoctorCheck(id: "vlan", network: network.name, status: .skipped, checked: checked, found: "the network uses no VLAN")
        }
        guard let filtering = network.vlanFiltering else {
            return DoctorCheck(id: "vlan", network: network.name, status: .warning, checked: checked,
                               found: "whether the bridge can filter VLANs could not be read", fix: "bridge -d vlan show")
        }
        if !filtering {
            return DoctorCheck(id: "vlan", network: network.name, status: .error, checked: checked,
                               found: "VLANs \(network.definedVLANs.sorted().map(String.init).joined(separator: ", ")) are defined, but this kernel cannot filter VLANs on bridges",
                               cause: "the kernel lacks CONFIG_BRIDGE_VLAN_FILTERING", fix: "a kernel with CONFIG_BRIDGE_VLAN_FILTERING, or an Open vSwitch network")
        }
        let carried = network.ports.reduce(into: Set<Int>()) { $0.formUnion($1.vlans) }
        let unused = network.definedVLANs.subtracting(carried).sorted()
        guard unused.isEmpty else {
            return DoctorCheck(id: "vlan", network: network.name, status: .warning, checked: checked,
                               found: "no port carries VLAN \(unused.map(String.init).joined(separator: ", "))",
                               cause: "no guest is in the portgroup that tags it, or the uplink does not trunk it",
                               fix: "net-port-create --portgroup NAME for the guests of that VLAN; trunk it on the uplink")
        }
        return DoctorCheck(id: "vlan", network: network.name, status: .ok, checked: checked,
                           found: "every VLAN is carried: " + carried.sorted().map(String.init).joined(separator: ", "))
    }
}
