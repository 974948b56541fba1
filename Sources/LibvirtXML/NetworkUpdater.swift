import PatchbayModel

/// `net-update` on a definition, following libvirt's virNetworkDefUpdateSection: the sections it
/// can change, how entries are matched, and the conflicts it refuses. Pure: the engine decides
/// which definitions (live, persistent) it is applied to and validates the result.
public enum NetworkUpdater {
    public typealias Command = NetworkUpdateRequest.Command
    public typealias Section = NetworkUpdateRequest.Section

    public static func apply(_ command: Command, section: Section, xml: String, parentIndex: Int?,
                             to definition: NetworkDefinition) throws(NetworkXMLError) -> NetworkDefinition {
        let element: XMLElement
        do { element = try XMLTreeParser.parse(xml) } catch {
            throw NetworkXMLError("malformed XML for section '\(section.rawValue)': \(error.message)", position: error.position)
        }
        var def = definition
        let node = ElementReader(element)
        switch section {
        case .bridge, .domain, .ip, .forward, .forwardPF:
            throw NetworkXMLError("can't update '\(section.rawValue)' section of network '\(def.name)'")
        case .ipDHCPHost: try updateDHCPHost(command, node, parentIndex: parentIndex, in: &def)
        case .ipDHCPRange: try updateDHCPRange(command, node, parentIndex: parentIndex, in: &def)
        case .forwardInterface: try updateForwardInterface(command, node, in: &def)
        case .portgroup: try updatePortGroup(command, node, in: &def)
        case .dnsHost: try updateDNSHost(command, node, in: &def)
        case .dnsTXT: try updateDNSTXT(command, node, in: &def)
        case .dnsSRV: try updateDNSSRV(command, node, in: &def)
        }
        return def
    }

    static func expect(_ node: ElementReader, _ name: String, _ def: NetworkDefinition) throws(NetworkXMLError) {
        guard node.name == name else {
            throw NetworkXMLError("unexpected element <\(node.name)>, expecting <\(name)>, while updating network '\(def.name)'",
                                  position: node.position)
        }
    }

    static func insert<T>(_ item: T, into array: inout [T], _ command: Command) {
        if command == .addFirst { array.insert(item, at: 0) } else { array.append(item) }
    }

    static func unsupported(_ command: Command, _ what: String) -> NetworkXMLError {
        NetworkXMLError("\(what) can only be added or deleted, not changed with '\(command.rawValue)'")
    }

    /// virNetworkIPDefByIndex: an explicit index, or the one `<ip>` that has DHCP, or the first
    /// IPv4 one, or the first IPv6 one.
    static func ipIndex(_ parentIndex: Int?, in def: NetworkDefinition, what: String) throws(NetworkXMLError) -> Int {
        if let parentIndex {
            guard def.ips.indices.contains(parentIndex) else {
                throw NetworkXMLError("couldn't update \(what) - no <ip> element found at index \(parentIndex) in network '\(def.name)'")
            }
            return parentIndex
        }
        if let index = def.ips.firstIndex(where: { $0.dhcp.isEnabled }) ?? def.ips.firstIndex(where: \.isIPv4)
            ?? def.ips.indices.first {
            return index
        }
        throw NetworkXMLError("couldn't update \(what) - no <ip> element found in network '\(def.name)'")
    }

    // MARK: - Sections

    static func updateDHCPHost(_ command: Command, _ node: ElementReader, parentIndex: Int?, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "host", def)
        let index = try ipIndex(parentIndex, in: def, what: "dhcp host entry")
        let ip = def.ips[index]
        let host = try NetworkXMLParser.parseDHCPHost(node, ip: ip, partialOkay: command == .delete)
        if command != .delete, let address = host.ip, address.isIPv4 != ip.isIPv4 {
            throw NetworkXMLError("the address family of a host entry IP must match the address family of the dhcp element's parent",
                                  element: "host", attribute: "ip", value: address.description)
        }
        func matches(_ other: DHCPHost) -> Bool {
            (host.mac != nil && other.mac == host.mac) || (host.ip != nil && other.ip == host.ip)
                || (host.name != nil && other.name == host.name)
        }
        let found = ip.dhcp.hosts.firstIndex(where: matches)
        switch command {
        case .add, .addFirst, .addLast:
            if found != nil {
                throw NetworkXMLError("there is an existing dhcp host entry in network '\(def.name)' that matches \(describe(host))")
            }
            if !ip.dhcp.isEnabled, let other = def.ips.indices.first(where: { $0 != index && def.ips[$0].isIPv4 == ip.isIPv4 && def.ips[$0].dhcp.isEnabled }) {
                throw NetworkXMLError("dhcp is supported only for a single \(ip.isIPv4 ? "IPv4" : "IPv6") address on each network (<ip> \(other) already has dhcp)")
            }
            insert(host, into: &def.ips[index].dhcp.hosts, command)
        case .modify:
            guard let found else {
                throw NetworkXMLError("couldn't locate an existing dhcp host entry with \(describe(host)) in network '\(def.name)'")
            }
            def.ips[index].dhcp.hosts[found] = host
        case .delete:
            guard let found else {
                throw NetworkXMLError("couldn't locate a matching dhcp host entry in network '\(def.name)'")
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

    static func updateDHCPRange(_ command: Command, _ node: ElementReader, parentIndex: Int?, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "range", def)
        let index = try ipIndex(parentIndex, in: def, what: "dhcp range entry")
        guard let start = try node.ip("start") else { throw node.error("missing required attribute", attribute: "start") }
        guard let end = try node.ip("end") else { throw node.error("missing required attribute", attribute: "end") }
        let range = DHCPRange(start: start, end: end, lease: try node.child("lease").flatMap(NetworkXMLParser.parseLease))
        guard start.isIPv4 == def.ips[index].isIPv4 else {
            throw NetworkXMLError("the address family of a dhcp range must match the address family of the dhcp element's parent",
                                  element: "range", attribute: "start", value: start.description)
        }
        let found = def.ips[index].dhcp.ranges.firstIndex { $0.start == start && $0.end == end }
        switch command {
        case .add, .addFirst, .addLast:
            if found != nil {
                throw NetworkXMLError("there is an existing dhcp range entry in network '\(def.name)' that matches <range start='\(start)' end='\(end)'/>")
            }
            insert(range, into: &def.ips[index].dhcp.ranges, command)
        case .delete:
            guard let found else {
                throw NetworkXMLError("couldn't locate a matching dhcp range entry <range start='\(start)' end='\(end)'/> in network '\(def.name)'")
            }
            def.ips[index].dhcp.ranges.remove(at: found)
        case .modify:
            throw unsupported(command, "dhcp ranges")
        }
    }

    static func updateForwardInterface(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "interface", def)
        let dev = try node.required("dev")
        let found = def.forward.interfaces.firstIndex { $0.dev == dev }
        switch command {
        case .add, .addFirst, .addLast:
            if found != nil {
                throw NetworkXMLError("there is an existing interface entry in network '\(def.name)' that matches <interface dev='\(dev)'/>")
            }
            insert(ForwardInterface(dev: dev), into: &def.forward.interfaces, command)
        case .delete:
            guard let found else {
                throw NetworkXMLError("couldn't find an interface entry in network '\(def.name)' matching <interface dev='\(dev)'/>")
            }
            let users = def.forward.interfaces[found].connections
            if users > 0 {
                throw NetworkXMLError("unable to delete interface \(dev) in network \(def.name). It is currently being used by \(users) domains.")
            }
            def.forward.interfaces.remove(at: found)
        case .modify:
            throw unsupported(command, "forward interfaces")
        }
    }

    static func updatePortGroup(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "portgroup", def)
        let group = try NetworkXMLParser.parsePortGroup(node)
        let found = def.portGroups.firstIndex { $0.name == group.name }
        if command != .delete, group.isDefault,
           let other = def.portGroups.first(where: { $0.isDefault && $0.name != group.name }) {
            throw NetworkXMLError("a different portgroup entry in network '\(def.name)' is already set as the default; only one default is allowed (\(other.name))")
        }
        switch command {
        case .add, .addFirst, .addLast:
            if found != nil {
                throw NetworkXMLError("there is an existing portgroup entry in network '\(def.name)' that matches <portgroup name='\(group.name)'>")
            }
            insert(group, into: &def.portGroups, command)
        case .modify:
            guard let found else {
                throw NetworkXMLError("couldn't find a portgroup entry in network '\(def.name)' matching <portgroup name='\(group.name)'>")
            }
            def.portGroups[found] = group
        case .delete:
            guard let found else {
                throw NetworkXMLError("couldn't find a portgroup entry in network '\(def.name)' matching <portgroup name='\(group.name)'>")
            }
            def.portGroups.remove(at: found)
        }
    }

    static func updateDNSHost(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "host", def)
        let ip = try node.ip("ip")
        let names = node.children("hostname").map(\.element.textContent)
        if command == .delete && ip == nil && names.isEmpty {
            throw node.error("missing ip and hostname in DNS host record")
        }
        func matches(_ record: DNSHostRecord) -> Bool {
            (ip != nil && record.ip == ip) || record.hostnames.contains(where: names.contains)
        }
        let found = def.dns.hosts.indices.filter { matches(def.dns.hosts[$0]) }
        switch command {
        case .add, .addFirst, .addLast:
            let record = try NetworkXMLParser.parseDNSHost(node, partialOkay: false)
            if !found.isEmpty {
                throw NetworkXMLError("there is already at least one DNS HOST record with a matching field in network \(def.name)")
            }
            insert(record, into: &def.dns.hosts, command)
        case .delete:
            guard !found.isEmpty else { throw NetworkXMLError("couldn't locate a matching DNS HOST record in network \(def.name)") }
            guard found.count == 1 else { throw NetworkXMLError("multiple matching DNS HOST records were found in network \(def.name)") }
            def.dns.hosts.remove(at: found[0])
        case .modify:
            throw unsupported(command, "DNS HOST records")
        }
    }

    static func updateDNSTXT(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "txt", def)
        let record = try NetworkXMLParser.parseTXT(node, partialOkay: command == .delete)
        let found = def.dns.txts.firstIndex { $0.name == record.name }
        switch command {
        case .add, .addFirst, .addLast:
            if found != nil {
                throw NetworkXMLError("there is already a DNS TXT record with name '\(record.name)' in network \(def.name)")
            }
            insert(record, into: &def.dns.txts, command)
        case .delete:
            guard let found else {
                throw NetworkXMLError("couldn't locate a matching DNS TXT record in network \(def.name)")
            }
            def.dns.txts.remove(at: found)
        case .modify:
            throw unsupported(command, "DNS TXT records")
        }
    }

    static func updateDNSSRV(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "srv", def)
        let record = try NetworkXMLParser.parseSRV(node, partialOkay: command == .delete)
        func matches(_ other: DNSSRVRecord) -> Bool {
            (record.service.isEmpty || other.service == record.service)
                && (record.protocolName.isEmpty || other.protocolName == record.protocolName)
                && (record.domain == nil || other.domain == record.domain)
                && (record.target == nil || other.target == record.target)
                && (record.port == nil || other.port == record.port)
                && (record.priority == nil || other.priority == record.priority)
                && (record.weight == nil || other.weight == record.weight)
        }
        let found = def.dns.srvs.indices.filter { matches(def.dns.srvs[$0]) }
        switch command {
        case .add, .addFirst, .addLast:
            if !found.isEmpty {
                throw NetworkXMLError("there is already at least one DNS SRV record matching all specified fields in network \(def.name)")
            }
            insert(record, into: &def.dns.srvs, command)
        case .delete:
            guard !found.isEmpty else { throw NetworkXMLError("couldn't locate a matching DNS SRV record in network \(def.name)") }
            guard found.count == 1 else { throw NetworkXMLError("multiple DNS SRV records matching all specified fields were found in network \(def.name)") }
            def.dns.srvs.remove(at: found[0])
        case .modify:
            throw unsupported(command, "DNS SRV records")
        }
    }
}
