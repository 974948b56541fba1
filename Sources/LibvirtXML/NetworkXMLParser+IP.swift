import PatchbayModel

extension NetworkXMLParser {
    /// virNetworkIPDefParseXML and the DHCP parts below it.
    static func parseIP(_ ip: ElementReader, index: Int, map: inout SourceMap) throws(NetworkXMLError) -> IPDefinition {
        guard let addressText = ip.string("address") else { throw ip.error("missing required attribute", attribute: "address") }
        guard let address = IPAddress(addressText) else { throw ip.error("invalid address", attribute: "address", value: addressText) }
        var def = IPDefinition(address: address, family: ip.string("family"))
        if let netmask = ip.string("netmask") {
            guard let mask = IPv4Address(netmask) else {
                throw ip.error("invalid netmask (it must be an IPv4 netmask)", attribute: "netmask", value: netmask)
            }
            def.netmask = mask
        }
        if let prefix = try ip.unsigned("prefix") { def.prefix = Int(prefix) }
        def.localPtr = try ip.yesNo("localPtr")

        switch def.family {
        case nil, "ipv4":
            guard address.isIPv4 else {
                throw ip.error("\(def.family == nil ? "no" : "ipv4") family specified for non-IPv4 address", attribute: "address", value: addressText)
            }
            if let netmask = def.netmask {
                guard netmask.netmaskPrefixLength != nil else {
                    throw ip.error("not a contiguous IPv4 netmask", attribute: "netmask", value: netmask.description)
                }
                if (def.prefix ?? 0) > 0 { throw ip.error("cannot have both a prefix and a netmask", attribute: "prefix", value: ip.string("prefix")) }
            } else if let prefix = def.prefix, prefix > 32 {
                throw ip.error("invalid IPv4 prefix; it must be 0 to 32", attribute: "prefix", value: String(prefix))
            }
        case "ipv6":
            guard !address.isIPv4 else {
                throw ip.error("family 'ipv6' specified for non-IPv6 address", attribute: "address", value: addressText)
            }
            if def.netmask != nil { throw ip.error("netmask not allowed for an IPv6 address; use prefix", attribute: "netmask", value: ip.string("netmask")) }
            if let prefix = def.prefix, prefix > 128 {
                throw ip.error("invalid IPv6 prefix; it must be 0 to 128", attribute: "prefix", value: String(prefix))
            }
        case let family?:
            throw ip.error("unrecognized family; expected 'ipv4' or 'ipv6'", attribute: "family", value: family)
        }

        if let dhcp = ip.child("dhcp") {
            def.dhcp = try parseDHCP(dhcp, ip: def, index: index, map: &map)
        }
        if let tftp = ip.child("tftp") {
            guard address.isIPv4 else { throw tftp.error("unsupported <tftp> element in an IPv6 <ip>") }
            def.tftpRoot = tftp.string("root")
        }
        return def
    }

    static func parseDHCP(_ dhcp: ElementReader, ip: IPDefinition, index: Int, map: inout SourceMap) throws(NetworkXMLError) -> DHCPDefinition {
        var def = DHCPDefinition()
        for (j, range) in dhcp.children("range").enumerated() {
            map[.dhcpRange(ip: index, j)] = range.position
            guard let start = try range.ip("start") else { throw range.error("missing required attribute", attribute: "start") }
            guard let end = try range.ip("end") else { throw range.error("missing required attribute", attribute: "end") }
            def.ranges.append(DHCPRange(start: start, end: end, lease: try range.child("lease").flatMap(parseLease)))
        }
        for (j, host) in dhcp.children("host").enumerated() {
            map[.dhcpHost(ip: index, j)] = host.position
            def.hosts.append(try parseDHCPHost(host, ip: ip, partialOkay: false))
        }
        if let bootp = dhcp.child("bootp"), ip.isIPv4 {
            def.bootp = BootpDefinition(file: try bootp.required("file"), server: try bootp.ip("server"))
        }
        return def
    }

    /// virNetworkDHCPHostDefParseXML. `partialOkay` is for net-update's delete, where any one of
    /// mac, name or ip identifies the entry.
    static func parseDHCPHost(_ host: ElementReader, ip: IPDefinition, partialOkay: Bool) throws(NetworkXMLError) -> DHCPHost {
        var def = DHCPHost()
        if let macText = host.string("mac") {
            if !ip.isIPv4 {
                throw host.error("a MAC address is not allowed in an IPv6 static host definition; use id", attribute: "mac", value: macText)
            }
            guard let mac = MACAddress(macText) else { throw host.error("cannot parse MAC address", attribute: "mac", value: macText) }
            if mac.isMulticast { throw host.error("expected a unicast MAC address", attribute: "mac", value: macText) }
            def.mac = mac
        }
        if let id = host.string("id") {
            if let bad = id.first(where: { !($0.isHexDigit || $0 == ":") }) {
                throw host.error("invalid character '\(bad)' in id", attribute: "id", value: id)
            }
            def.id = id
        }
        if let name = host.string("name") {
            guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic || ("0"..."9").contains(first) else {
                throw host.error("cannot use host name (it must start with a letter or digit)", attribute: "name", value: name)
            }
            def.name = name
        }
        if let ipText = host.string("ip") {
            guard let address = IPAddress(ipText) else {
                throw host.error("invalid IP address in static host definition", attribute: "ip", value: ipText)
            }
            def.ip = address
        }
        if partialOkay {
            if def.mac == nil && def.name == nil && def.ip == nil {
                throw host.error("at least one of name, mac, or ip must be specified")
            }
        } else {
            if ip.isIPv4 {
                if def.mac == nil && def.name == nil { throw host.error("a static host in an IPv4 network must have a mac or name attribute") }
            } else if def.id == nil && def.name == nil {
                throw host.error("a static host in an IPv6 network must have an id or name attribute")
            }
            if def.ip == nil { throw host.error("missing IP address in static host definition", attribute: "ip") }
        }
        def.lease = try host.child("lease").flatMap(parseLease)
        return def
    }

    /// virNetworkDHCPLeaseTimeDefParseXML: no `expiry` means no lease element at all; 0 is
    /// infinite; anything shorter than two minutes is refused (dnsmasq's minimum, kept for
    /// compatibility of definitions).
    static func parseLease(_ lease: ElementReader) throws(NetworkXMLError) -> LeaseTime? {
        guard let expiry = try lease.unsigned("expiry", maximum: UInt64.max) else { return nil }
        let unit = try lease.enumeration("unit", LeaseTime.Unit.self) ?? .minutes
        if expiry > 0 && ((unit == .seconds && expiry < 120) || (unit == .minutes && expiry < 2)) {
            throw lease.error("the minimum lease time is 2 minutes", attribute: "expiry", value: String(expiry))
        }
        return LeaseTime(expiry: expiry, unit: unit)
    }

    /// virNetDevIPRouteCreate (networkcommon_conf.c).
    static func parseRoute(_ route: ElementReader) throws(NetworkXMLError) -> RouteDefinition {
        guard let addressText = route.string("address") else { throw route.error("missing required attribute", attribute: "address") }
        guard let gatewayText = route.string("gateway") else { throw route.error("missing required attribute", attribute: "gateway") }
        guard let address = IPAddress(addressText) else { throw route.error("bad network address", attribute: "address", value: addressText) }
        guard let gateway = IPAddress(gatewayText) else { throw route.error("bad gateway address", attribute: "gateway", value: gatewayText) }
        var def = RouteDefinition(address: address, gateway: gateway, family: route.string("family"))
        if let prefix = try route.unsigned("prefix") { def.prefix = Int(prefix) }
        if let metric = try route.unsigned("metric") {
            guard metric > 0 else { throw route.error("metric must be above 0", attribute: "metric", value: "0") }
            def.metric = UInt32(metric)
        }
        let netmaskText = route.string("netmask")
        switch def.family {
        case nil, "ipv4":
            guard address.isIPv4 else { throw route.error("\(def.family == nil ? "no" : "IPv4") family specified for non-IPv4 address", attribute: "address", value: addressText) }
            guard gateway.isIPv4 else { throw route.error("\(def.family == nil ? "no" : "IPv4") family specified for non-IPv4 gateway", attribute: "gateway", value: gatewayText) }
            if let netmaskText {
                guard let netmask = IPv4Address(netmaskText), netmask.netmaskPrefixLength != nil else {
                    throw route.error("bad netmask", attribute: "netmask", value: netmaskText)
                }
                if def.prefix != nil { throw route.error("a route cannot have both a prefix and a netmask", attribute: "prefix", value: route.string("prefix")) }
                def.netmask = netmask
            }
            if let prefix = def.prefix, prefix > 32 { throw route.error("invalid prefix; it must be 0 - 32", attribute: "prefix", value: String(prefix)) }
        case "ipv6":
            guard !address.isIPv4 else { throw route.error("ipv6 family specified for non-IPv6 address", attribute: "address", value: addressText) }
            if netmaskText != nil { throw route.error("netmask is invalid for an IPv6 route", attribute: "netmask", value: netmaskText) }
            guard !gateway.isIPv4 else { throw route.error("ipv6 family specified for non-IPv6 gateway", attribute: "gateway", value: gatewayText) }
            if let prefix = def.prefix, prefix > 128 { throw route.error("invalid prefix; it must be 0 - 128", attribute: "prefix", value: String(prefix)) }
        case let family?:
            throw route.error("unrecognized family; expected 'ipv4' or 'ipv6'", attribute: "family", value: family)
        }
        guard address.masked(to: def.prefixLength) == address else {
            throw route.error("address in route definition is not a network address", attribute: "address", value: addressText)
        }
        return def
    }
}
