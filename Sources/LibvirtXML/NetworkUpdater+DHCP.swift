import PatchbayModel

extension NetworkUpdater {
    /// virNetworkIPDefByIndex: an explicit index (any family), or the first `<ip>` that has
    /// DHCP, or the first IPv4 one, or the first IPv6 one. A negative index is libvirt's -1.
    static func ipIndex(_ parentIndex: Int?, in def: NetworkDefinition, what: String) throws(NetworkXMLError) -> Int {
        if let parentIndex, parentIndex >= 0 {
            guard def.ips.indices.contains(parentIndex) else {
                throw NetworkXMLError("couldn't update \(what) - no <ip> element found at index \(parentIndex) in network '\(def.name)'",
                                      element: "ip")
            }
            return parentIndex
        }
        if let index = def.ips.firstIndex(where: { $0.dhcp.isEnabled }) ?? def.ips.firstIndex(where: \.isIPv4)
            ?? def.ips.indices.first {
            return index
        }
        throw NetworkXMLError("couldn't update \(what) - no <ip> element found in network '\(def.name)'", element: "ip")
    }

    /// virNetworkDefUpdateCheckMultiDHCP: adding to one `<ip>` is refused while another of its
    /// family has DHCP.
    static func checkSingleDHCP(_ def: NetworkDefinition, _ index: Int) throws(NetworkXMLError) {
        let ip = def.ips[index]
        if def.ips.indices.contains(where: { $0 != index && def.ips[$0].isIPv4 == ip.isIPv4 && def.ips[$0].dhcp.isEnabled }) {
            throw NetworkXMLError("dhcp is supported only for a single \(ip.isIPv4 ? "IPv4" : "IPv6") address on each network", element: "dhcp")
        }
    }

    /// virNetworkDefUpdateIPDHCPHost. modify replaces the first entry with the same MAC, address
    /// or name; add refuses one that shares any of them; delete removes the first entry that
    /// matches every attribute given.
    ///
    /// One difference: libvirt's delete lets a given MAC match an entry that has none, so
    /// `<host mac='…'/>` can delete a name-only reservation; here a given MAC must match.
    static func updateDHCPHost(_ command: Command, _ node: ElementReader, parentIndex: Int?, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "host", def)
        let index = try ipIndex(parentIndex, in: def, what: "dhcp host entry")
        let ip = def.ips[index]
        let host = try NetworkXMLParser.parseDHCPHost(node, ip: ip, partialOkay: command == .delete)
        if command != .delete, let address = host.ip, address.isIPv4 != ip.isIPv4 {
            throw NetworkXMLError("the address family of a host entry IP must match the address family of the dhcp element's parent",
                                  element: "host", attribute: "ip", value: address.description)
        }
        func sharesAny(_ other: DHCPHost) -> Bool {
            (host.mac != nil && other.mac == host.mac) || (host.ip != nil && other.ip == host.ip)
                || (host.name != nil && other.name == host.name)
        }
        switch command {
        case .modify:
            guard let found = ip.dhcp.hosts.firstIndex(where: sharesAny) else {
                throw NetworkXMLError("couldn't locate an existing dhcp host entry with \(describe(host)) in network '\(def.name)'", element: "host")
            }
            def.ips[index].dhcp.hosts[found] = host
        case .add, .addFirst, .addLast:
            try checkSingleDHCP(def, index)
            if ip.dhcp.hosts.contains(where: sharesAny) {
                throw NetworkXMLError("there is an existing dhcp host entry in network '\(def.name)' that matches \(describe(host))", element: "host")
            }
            insert(host, into: &def.ips[index].dhcp.hosts, command)
        case .delete:
            let found = ip.dhcp.hosts.firstIndex { other in
                (host.mac == nil || other.mac == host.mac) && (host.name == nil || other.name == host.name)
                    && (host.ip == nil || other.ip == host.ip)
            }
            guard let found else {
                throw NetworkXMLError("couldn't locate a matching dhcp host entry in network '\(def.name)'", element: "host")
            }
            def.ips[index].dhcp.hosts.remove(at: found)
        }
    }

    static func describe(_ host: DHCPHost) -> String {
        var parts: [String] = []
        if let mac = host.mac { parts.append("mac='\(mac)'") }
        if let name = host.name { parts.append("name='\(name)'") }
        if let ip = host.ip { parts.append("ip='\(ip)'") }
        return "<host " + parts.joined(separator: " ") + "/>"
    }

    /// virNetworkDefUpdateIPDHCPRange: ranges are added or deleted, never modified; the range
    /// is checked against its `<ip>` as when a definition is read (virSocketAddrGetRange), for
    /// delete too, and matched by start and end.
    static func updateDHCPRange(_ command: Command, _ node: ElementReader, parentIndex: Int?, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "range", def)
        let index = try ipIndex(parentIndex, in: def, what: "dhcp range entry")
        if command == .modify { throw noModify("dhcp ranges", element: "range") }
        let ip = def.ips[index]
        guard let start = try node.ip("start") else { throw node.error("missing required attribute", attribute: "start") }
        guard let end = try node.ip("end") else { throw node.error("missing required attribute", attribute: "end") }
        let range = DHCPRange(start: start, end: end, lease: try node.child("lease").flatMap(NetworkXMLParser.parseLease))
        if let prefix = ip.prefixLength, let problem = NetworkValidator.rangeProblem(range, in: ip, prefix: prefix) {
            throw NetworkXMLError(problem, element: "range", value: "\(start) - \(end)")
        }
        guard start.isIPv4 == ip.isIPv4 else {
            throw NetworkXMLError("the address family of a dhcp range must match the address family of the dhcp element's parent",
                                  element: "range", attribute: "start", value: start.description)
        }
        let found = ip.dhcp.ranges.firstIndex { $0.start == start && $0.end == end }
        switch command {
        case .add, .addFirst, .addLast:
            try checkSingleDHCP(def, index)
            if found != nil {
                throw NetworkXMLError("there is an existing dhcp range entry in network '\(def.name)' that matches <range start='\(start)' end='\(end)'/>",
                                      element: "range")
            }
            insert(range, into: &def.ips[index].dhcp.ranges, command)
        case .delete:
            guard let found else {
                throw NetworkXMLError("couldn't locate a matching dhcp range entry <range start='\(start)' end='\(end)'/> in network '\(def.name)'",
                                      element: "range")
            }
            def.ips[index].dhcp.ranges.remove(at: found)
        case .modify:
            break
        }
    }
}
