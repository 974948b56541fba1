import PatchbayModel

extension NetworkUpdater {
    /// virNetworkDefUpdateForwardInterface: netdev pool entries by name, added or deleted
    /// (not one that guests use), never modified. add-first makes the new device the one
    /// `<forward dev>` names.
    static func updateForwardInterface(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "interface", def)
        if command == .modify { throw noModify("forward interface entries", element: "interface") }
        guard let dev = node.string("dev") else { throw node.error("missing dev attribute in <interface> element", attribute: "dev") }
        let found = def.forward.interfaces.firstIndex { $0.dev == dev }
        switch command {
        case .add, .addFirst, .addLast:
            if found != nil {
                throw NetworkXMLError("there is an existing interface entry in network '\(def.name)' that matches <interface dev='\(dev)'>",
                                      element: "interface", attribute: "dev", value: dev)
            }
            insert(ForwardInterface(dev: dev), into: &def.forward.interfaces, command)
        case .delete:
            guard let found else {
                throw NetworkXMLError("couldn't find an interface entry in network '\(def.name)' matching <interface dev='\(dev)'>",
                                      element: "interface", attribute: "dev", value: dev)
            }
            let users = def.forward.interfaces[found].connections
            if users > 0 {
                throw NetworkXMLError("unable to delete interface '\(dev)' in network '\(def.name)'. It is currently being used by \(users) domains.",
                                      element: "interface", attribute: "dev", value: dev)
            }
            def.forward.interfaces.remove(at: found)
        case .modify:
            break
        }
    }

    /// virNetworkDefUpdatePortGroup: matched by name; at most one default, so a new or
    /// modified default is refused while a different group is the default.
    static func updatePortGroup(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "portgroup", def)
        let group = try NetworkXMLParser.parsePortGroup(node)
        let found = def.portGroups.firstIndex { $0.name == group.name }
        let currentDefault = def.portGroups.lastIndex { $0.isDefault }
        if found == nil && !isAdd(command) {
            throw NetworkXMLError("couldn't find a portgroup entry in network '\(def.name)' matching <portgroup name='\(group.name)'>",
                                  element: "portgroup", attribute: "name", value: group.name)
        }
        if found != nil && isAdd(command) {
            throw NetworkXMLError("there is an existing portgroup entry in network '\(def.name)' that matches <portgroup name='\(group.name)'>",
                                  element: "portgroup", attribute: "name", value: group.name)
        }
        if command != .delete, group.isDefault, let currentDefault, currentDefault != found {
            throw NetworkXMLError("a different portgroup entry in network '\(def.name)' is already set as the default (\(def.portGroups[currentDefault].name)). Only one default is allowed.",
                                  element: "portgroup", attribute: "default", value: "yes")
        }
        switch (command, found) {
        case (.modify, let found?): def.portGroups[found] = group
        case (.delete, let found?): def.portGroups.remove(at: found)
        default: insert(group, into: &def.portGroups, command)
        }
    }

    /// virNetworkDefUpdateDNSHost. add refuses only a record with the same address (several
    /// records may share a hostname); delete finds the one record with that address or one of
    /// those hostnames; modify replaces the record with that address.
    static func updateDNSHost(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "host", def)
        if isAdd(command) {
            let record = try NetworkXMLParser.parseDNSHost(node)
            if def.dns.hosts.contains(where: { $0.ip == record.ip }) {
                throw NetworkXMLError("there is already at least one DNS HOST record with a matching field in network \(def.name)",
                                      element: "host", attribute: "ip", value: record.ip.description)
            }
            insert(record, into: &def.dns.hosts, command)
            return
        }
        // libvirt parses modify with partialOkay as well; the record that replaces another
        // must be whole, as its final format/parse cycle requires.
        if command == .modify {
            let record = try NetworkXMLParser.parseDNSHost(node)
            guard let found = def.dns.hosts.firstIndex(where: { $0.ip == record.ip }) else {
                throw NetworkXMLError("couldn't locate a matching DNS HOST record in network \(def.name)",
                                      element: "host", attribute: "ip", value: record.ip.description)
            }
            def.dns.hosts[found] = record
            return
        }
        let pattern = try NetworkXMLParser.parseDNSHostPattern(node)
        let found = def.dns.hosts.indices.filter { i in
            def.dns.hosts[i].ip == pattern.ip || def.dns.hosts[i].hostnames.contains(where: pattern.hostnames.contains)
        }
        guard let only = found.first else { throw NetworkXMLError("couldn't locate a matching DNS HOST record in network \(def.name)", element: "host") }
        guard found.count == 1 else { throw NetworkXMLError("multiple matching DNS HOST records were found in network \(def.name)", element: "host") }
        def.dns.hosts.remove(at: only)
    }

    /// virNetworkDefUpdateDNSTxt: matched by name; modify sets the value.
    static func updateDNSTXT(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "txt", def)
        let record = try NetworkXMLParser.parseTXT(node, partialOkay: command == .delete)
        let found = def.dns.txts.firstIndex { $0.name == record.name }
        switch (command, found) {
        case (.add, nil), (.addFirst, nil), (.addLast, nil):
            insert(record, into: &def.dns.txts, command)
        case (.add, _), (.addFirst, _), (.addLast, _):
            throw NetworkXMLError("there is already a DNS TXT record with name '\(record.name)' in network \(def.name)",
                                  element: "txt", attribute: "name", value: record.name)
        case (.modify, let found?): def.dns.txts[found].value = record.value
        case (.delete, let found?): def.dns.txts.remove(at: found)
        case (.modify, nil), (.delete, nil):
            throw NetworkXMLError("couldn't locate a matching DNS TXT record in network \(def.name)", element: "txt", attribute: "name", value: record.name)
        }
    }

    /// virNetworkDefUpdateDNSSrv: a record matches when its domain, service, protocol and
    /// target equal each of those given (port, priority and weight do not count). add refuses
    /// any match; delete and modify need exactly one, and modify replaces it whole.
    static func updateDNSSRV(_ command: Command, _ node: ElementReader, in def: inout NetworkDefinition) throws(NetworkXMLError) {
        try expect(node, "srv", def)
        let record = try NetworkXMLParser.parseSRV(node, partialOkay: command == .delete)
        let found = def.dns.srvs.indices.filter { i in
            let other = def.dns.srvs[i]
            return (record.domain == nil || other.domain == record.domain) && (record.service.isEmpty || other.service == record.service)
                && (record.protocolName.isEmpty || other.protocolName == record.protocolName) && (record.target == nil || other.target == record.target)
        }
        if isAdd(command) {
            guard found.isEmpty else {
                throw NetworkXMLError("there is already at least one DNS SRV record matching all specified fields in network \(def.name)", element: "srv")
            }
            insert(record, into: &def.dns.srvs, command)
            return
        }
        guard let only = found.first else { throw NetworkXMLError("couldn't locate a matching DNS SRV record in network \(def.name)", element: "srv") }
        guard found.count == 1 else {
            throw NetworkXMLError("multiple DNS SRV records matching all specified fields were found in network \(def.name)", element: "srv")
        }
        if command == .modify { def.dns.srvs[only] = record } else { def.dns.srvs.remove(at: only) }
    }
}
