import PatchbayModel

extension NetworkXMLParser {
    /// Characters libvirt allows in SRV service and protocol names (network_conf.c).
    static let serviceCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+/*")
    static let protocolCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+/")

    /// virNetworkDNSDefParseXML.
    static func parseDNS(_ dns: ElementReader, map: inout SourceMap) throws(NetworkXMLError) -> DNSDefinition {
        var def = DNSDefinition()
        def.enable = try dns.yesNo("enable")
        def.forwardPlainNames = try dns.yesNo("forwardPlainNames")
        for (i, forwarder) in dns.children("forwarder").enumerated() {
            map[.dnsForwarder(i)] = forwarder.position
            let address = forwarder.string("addr")
            let parsed = try address.map { text throws(NetworkXMLError) -> IPAddress in
                guard let ip = IPAddress(text) else { throw forwarder.error("invalid forwarder IP address", attribute: "addr", value: text) }
                return ip
            }
            let domain = forwarder.string("domain")
            if parsed == nil && domain == nil {
                throw forwarder.error("a forwarder must have at least one of addr or domain")
            }
            def.forwarders.append(DNSForwarder(domain: domain, address: parsed))
        }
        for (i, host) in dns.children("host").enumerated() {
            map[.dnsHost(i)] = host.position
            def.hosts.append(try parseDNSHost(host))
        }
        for (i, srv) in dns.children("srv").enumerated() {
            map[.dnsSRV(i)] = srv.position
            def.srvs.append(try parseSRV(srv, partialOkay: false))
        }
        for (i, txt) in dns.children("txt").enumerated() {
            map[.dnsTXT(i)] = txt.position
            def.txts.append(try parseTXT(txt, partialOkay: false))
        }
        return def
    }

    static func parseDNSHost(_ host: ElementReader) throws(NetworkXMLError) -> DNSHostRecord {
        if host.children("hostname").isEmpty { throw host.error("missing hostname in DNS host record") }
        let pattern = try parseDNSHostPattern(host)
        guard let ip = pattern.ip else { throw host.error("missing IP address in DNS host record", attribute: "ip") }
        return DNSHostRecord(ip: ip, hostnames: pattern.hostnames)
    }

    /// virNetworkDNSHostDefParseXML with partialOkay, for `net-update` to find records by: an
    /// address, hostnames, or both, but not neither; an empty `<hostname>` is never allowed.
    static func parseDNSHostPattern(_ host: ElementReader) throws(NetworkXMLError) -> (ip: IPAddress?, hostnames: [String]) {
        let names = host.children("hostname").map(\.element.textContent)
        if names.contains(where: \.isEmpty) { throw host.error("missing hostname in DNS host record") }
        guard let ipText = host.string("ip") else {
            if names.isEmpty { throw host.error("missing ip and hostname in DNS host record") }
            return (nil, names)
        }
        guard let ip = IPAddress(ipText) else { throw host.error("invalid IP address in DNS host record", attribute: "ip", value: ipText) }
        return (ip, names)
    }

    static func parseSRV(_ srv: ElementReader, partialOkay: Bool) throws(NetworkXMLError) -> DNSSRVRecord {
        let service = srv.string("service")
        if service == nil && !partialOkay { throw srv.error("missing required attribute", attribute: "service") }
        if let service {
            if service.utf8.count > 15 {
                throw srv.error("service name too long, limit is 15 bytes", attribute: "service", value: service)
            }
            if !service.allSatisfy(serviceCharacters.contains) {
                throw srv.error("invalid character in service name", attribute: "service", value: service)
            }
        }
        let protocolName = srv.string("protocol")
        if protocolName == nil && !partialOkay { throw srv.error("missing required attribute", attribute: "protocol") }
        if let protocolName, !protocolName.allSatisfy(protocolCharacters.contains) {
            throw srv.error("invalid character in protocol name", attribute: "protocol", value: protocolName)
        }
        var def = DNSSRVRecord(service: service ?? "", protocolName: protocolName ?? "", domain: srv.string("domain"),
                               target: srv.string("target"))
        for attribute in ["port", "priority", "weight"] {
            guard let value = try srv.unsigned(attribute, maximum: 65535) else { continue }
            if def.target == nil {
                throw srv.error("'\(attribute)' is not permitted without 'target'", attribute: attribute, value: String(value))
            }
            if attribute == "port" && value < 1 { throw srv.error("invalid port", attribute: "port", value: "0") }
            switch attribute {
            case "port": def.port = UInt16(value)
            case "priority": def.priority = UInt16(value)
            default: def.weight = UInt16(value)
            }
        }
        return def
    }

    static func parseTXT(_ txt: ElementReader, partialOkay: Bool) throws(NetworkXMLError) -> DNSTXTRecord {
        let name = try txt.required("name")
        if name.contains(" ") || name.contains(",") {
            throw txt.error("prohibited character (space or comma) in TXT record name", attribute: "name", value: name)
        }
        let value = txt.string("value")
        if value == nil && !partialOkay { throw txt.error("missing required attribute", attribute: "value") }
        return DNSTXTRecord(name: name, value: value ?? "")
    }
}
