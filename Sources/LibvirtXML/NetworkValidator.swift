import PatchbayModel

/// Step two of three: the rules that relate parts of a definition to each other. `.document`
/// holds what libvirt checks whenever it reads a definition (virNetworkDefParseXML); `.define`
/// adds what its network driver checks before accepting one (networkValidate) and the checks
/// Patchbay adds on top (duplicate reservations, overlapping pools), which libvirt leaves for
/// dnsmasq to trip over at start time.
public enum NetworkValidator {
    public enum Level: Sendable { case document, define }

    public static func validate(_ parsed: ParsedNetwork, level: Level) throws(NetworkXMLError) {
        let def = parsed.definition
        let map = parsed.sourceMap
        try validateDNS(def, map)
        try validateIPs(def, map)
        try validateRoutes(def, map)
        try validateForwardMode(def, map)
        if level == .define {
            try validateForDefine(def, map)
        }
    }

    // MARK: - Document rules (virNetworkDefParseXML)

    static func validateDNS(_ def: NetworkDefinition, _ map: SourceMap) throws(NetworkXMLError) {
        if def.dns.enable == false && def.dns.hasRecords {
            throw NetworkXMLError("extra data in disabled network '\(def.name)': a <dns enable='no'> element cannot have forwarders, hosts, srv or txt records",
                                  element: "dns", position: map[.dns])
        }
        var seen: [IPAddress: Int] = [:]
        for (i, host) in def.dns.hosts.enumerated() {
            if let first = seen[host.ip] {
                throw NetworkXMLError("duplicate DNS host record for \(host.ip) (first at \(map[.dnsHost(first)]?.description ?? "host \(first + 1)")); list every hostname in one <host>",
                                      element: "host", attribute: "ip", value: host.ip.description, position: map[.dnsHost(i)])
            }
            seen[host.ip] = i
        }
    }

    static func validateIPs(_ def: NetworkDefinition, _ map: SourceMap) throws(NetworkXMLError) {
        for (i, ip) in def.ips.enumerated() {
            guard let prefix = ip.prefixLength else {
                throw NetworkXMLError("cannot tell the prefix of \(ip.address); give a netmask or prefix", element: "ip",
                                      attribute: "address", value: ip.address.description, position: map[.ip(i)])
            }
            var ranges: [(start: IPAddress, end: IPAddress, index: Int)] = []
            for (j, range) in ip.dhcp.ranges.enumerated() {
                let text = "\(range.start) - \(range.end)"
                func fail(_ message: String) -> NetworkXMLError {
                    NetworkXMLError(message, element: "range", value: text, position: map[.dhcpRange(ip: i, j)])
                }
                if let problem = rangeProblem(range, in: ip, prefix: prefix) { throw fail(problem) }
                if let other = ranges.first(where: { range.start <= $0.end && $0.start <= range.end }) {
                    throw fail("range \(text) overlaps range \(other.start) - \(other.end)")
                }
                ranges.append((range.start, range.end, j))
            }
            try validateDHCPHosts(ip, index: i, prefix: prefix, map)
        }
    }

    /// virSocketAddrGetRange (src/util/virsocketaddr.c) with the network given, as libvirt
    /// checks a range when it reads one, in a definition or in `net-update`: nil when the range
    /// is usable on `ip`, else why not.
    static func rangeProblem(_ range: DHCPRange, in ip: IPDefinition, prefix: Int) -> String? {
        let text = "\(range.start) - \(range.end)"
        guard range.start.isIPv4 == range.end.isIPv4, range.start.isIPv4 == ip.isIPv4 else {
            return "mismatch of address family in range \(text) for network \(ip.address)"
        }
        guard range.start.isInSubnet(of: ip.address, prefixLength: prefix), range.end.isInSubnet(of: ip.address, prefixLength: prefix) else {
            return "range \(text) is not entirely within network \(ip.address)/\(prefix)"
        }
        if case .v4(let network) = ip.address, prefix < 31 {
            let mask = IPv4Address.netmask(prefixLength: prefix).value
            if case .v4(let start) = range.start, start.value == network.value & mask {
                return "start of range \(text) in network \(ip.address)/\(prefix) is the network address"
            }
            if case .v4(let end) = range.end, end.value == network.value | ~mask {
                return "end of range \(text) in network \(ip.address)/\(prefix) is the broadcast address"
            }
        }
        guard range.start <= range.end else { return "range \(text) is reversed" }
        // libvirt's legacy limit: a range spans at most 65536 addresses.
        let sameHigh = range.start.isIPv4 ? range.start.bytes.prefix(2) == range.end.bytes.prefix(2)
                                          : range.start.bytes.prefix(14) == range.end.bytes.prefix(14)
        return sameHigh ? nil : "range \(text) is too large (> 65535)"
    }

    /// No two reservations of one `<dhcp>` may claim the same MAC, DUID, name or address:
    /// dnsmasq would silently pick one, and a DHCP server cannot honour both.
    static func validateDHCPHosts(_ ip: IPDefinition, index i: Int, prefix: Int, _ map: SourceMap) throws(NetworkXMLError) {
        var macs: [MACAddress: Int] = [:], ids: [String: Int] = [:], names: [String: Int] = [:], addresses: [IPAddress: Int] = [:]
        for (j, host) in ip.dhcp.hosts.enumerated() {
            let at = map[.dhcpHost(ip: i, j)]
            func duplicate(_ attribute: String, _ value: String, _ first: Int) -> NetworkXMLError {
                NetworkXMLError("duplicate static host: \(attribute) '\(value)' is also used by host \(first + 1) of this <dhcp>",
                                element: "host", attribute: attribute, value: value, position: at)
            }
            if let mac = host.mac {
                if let first = macs[mac] { throw duplicate("mac", mac.description, first) }
                macs[mac] = j
            }
            if let id = host.id {
                if let first = ids[id.lowercased()] { throw duplicate("id", id, first) }
                ids[id.lowercased()] = j
            }
            if let name = host.name {
                if let first = names[name.lowercased()] { throw duplicate("name", name, first) }
                names[name.lowercased()] = j
            }
            if let address = host.ip {
                if let first = addresses[address] { throw duplicate("ip", address.description, first) }
                addresses[address] = j
                guard address.isIPv4 == ip.isIPv4 else {
                    throw NetworkXMLError("the address family of a host entry IP must match that of its <ip>", element: "host",
                                          attribute: "ip", value: address.description, position: at)
                }
                guard address.isInSubnet(of: ip.address, prefixLength: prefix) else {
                    throw NetworkXMLError("static host address is outside network \(ip.address)/\(prefix)", element: "host",
                                          attribute: "ip", value: address.description, position: at)
                }
            }
        }
    }

    /// A static route's gateway must be directly reachable on one of the network's subnets.
    static func validateRoutes(_ def: NetworkDefinition, _ map: SourceMap) throws(NetworkXMLError) {
        for (i, route) in def.routes.enumerated() {
            let reachable = def.ips.contains { ip in
                guard let prefix = ip.prefixLength else { return false }
                return route.gateway.isInSubnet(of: ip.address, prefixLength: prefix)
            }
            if !reachable {
                throw NetworkXMLError("unreachable static route gateway '\(route.gateway)' specified for network '\(def.name)'",
                                      element: "route", attribute: "gateway", value: route.gateway.description, position: map[.route(i)])
            }
        }
    }

    /// What each forward mode allows (virNetworkDefParseXML's switch on forward.type).
    static func validateForwardMode(_ def: NetworkDefinition, _ map: SourceMap) throws(NetworkXMLError) {
        let mode = def.forward.mode
        let at = map[.forward]
        switch mode {
        case .none:
            break
        case .nat, .route, .open:
            // libvirt counts every pool entry here, PCI addresses as much as netdevs (forward.nifs).
            let pool = def.forward.interfaces.count + def.forward.pciAddresses.count
            if def.ips.isEmpty {
                throw NetworkXMLError("\(mode.rawValue) forwarding requested, but no IP address provided for network '\(def.name)'",
                                      element: "forward", attribute: "mode", value: mode.rawValue, position: at)
            }
            if pool > 1 {
                throw NetworkXMLError("multiple forwarding interfaces specified for network '\(def.name)', only one is supported",
                                      element: "forward", position: at)
            }
            if mode == .open && pool > 0 {
                throw NetworkXMLError("forward dev not allowed for network '\(def.name)' with forward mode='open'",
                                      element: "forward", attribute: "dev", value: def.forward.interfaces.first?.dev, position: at)
            }
        case .private, .vepa, .passthrough, .hostdev, .bridge:
            let bridgeAt = map[.bridge]
            if mode != .bridge {
                if let name = def.bridge.name {
                    throw NetworkXMLError("bridge name not allowed in \(mode.rawValue) mode (network '\(def.name)')", element: "bridge",
                                          attribute: "name", value: name, position: bridgeAt)
                }
                if let manager = def.bridge.macTableManager {
                    throw NetworkXMLError("bridge macTableManager setting not allowed in \(mode.rawValue) mode (network '\(def.name)')",
                                          element: "bridge", attribute: "macTableManager", value: manager.rawValue, position: bridgeAt)
                }
            }
            if def.bridge.delay != 0 || def.bridge.zone != nil {
                throw NetworkXMLError("bridge delay/stp/zone options only allowed in open, route, nat, and isolated mode, not in \(mode.rawValue) (network '\(def.name)')",
                                      element: "bridge", position: bridgeAt)
            }
            if def.bridge.name != nil && (!def.forward.interfaces.isEmpty || def.forward.pf != nil) {
                throw NetworkXMLError("a network with forward mode='\(mode.rawValue)' can specify a bridge name or a forward dev, but not both (network '\(def.name)')",
                                      element: "bridge", attribute: "name", value: def.bridge.name, position: bridgeAt)
            }
        }
        if def.mtu != nil && !mode.createsBridge {
            throw NetworkXMLError("mtu size only allowed in open, route, nat, and isolated mode, not in \(mode.rawValue) (network '\(def.name)')",
                                  element: "mtu", position: map[.mtu])
        }
    }
}
