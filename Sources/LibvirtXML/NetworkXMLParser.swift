import PatchbayModel

/// Step one of three (parse → validate → format), as libvirt has them: turns a `<network>`
/// document into a `NetworkDefinition`, checking structure and types. Rules that relate one part
/// of the definition to another live in `NetworkValidator`.
///
/// Follows libvirt's virNetworkDefParseXML: the first `<name>`, `<uuid>`, `<bridge>`, ... count,
/// unknown elements are ignored, and a missing UUID is generated.
public enum NetworkXMLParser {
    /// The namespace of libvirt's `<dnsmasq:options>` extension.
    public static let dnsmasqNamespace = "http://libvirt.org/schemas/network/dnsmasq/1.0"

    public static func parse(_ text: String, generateUUID: () -> NetworkUUID = { NetworkUUID.random() })
        throws(NetworkXMLError) -> ParsedNetwork {
        let root: XMLElement
        do { root = try XMLTreeParser.parse(text) } catch {
            throw NetworkXMLError("malformed XML: \(error.message)", position: error.position)
        }
        return try parse(root, generateUUID: generateUUID)
    }

    public static func parse(_ root: XMLElement, generateUUID: () -> NetworkUUID = { NetworkUUID.random() })
        throws(NetworkXMLError) -> ParsedNetwork {
        guard root.name == "network" else {
            throw NetworkXMLError("the root element must be <network>, not <\(root.name)>", position: root.position)
        }
        var map = SourceMap()
        map[.root] = root.position
        let network = ElementReader(root)

        guard let nameElement = root.firstChild(named: "name") else {
            throw NetworkXMLError("missing network name", element: "name", position: root.position)
        }
        let name = nameElement.textContent
        map[.name] = nameElement.position
        guard !name.isEmpty else {
            throw NetworkXMLError("network name must not be empty", element: "name", position: nameElement.position)
        }
        if name.contains("/") {
            throw NetworkXMLError("name cannot contain '/'", element: "name", value: name, position: nameElement.position)
        }

        var uuid: NetworkUUID
        if let uuidElement = root.firstChild(named: "uuid") {
            guard let parsed = NetworkUUID(uuidElement.textContent) else {
                throw NetworkXMLError("malformed uuid element", element: "uuid", value: uuidElement.textContent,
                                      position: uuidElement.position)
            }
            uuid = parsed
        } else {
            uuid = generateUUID()
        }

        var def = NetworkDefinition(name: name, uuid: uuid)
        if let title = root.firstChild(named: "title") {
            def.title = title.textContent
            if def.title!.contains("\n") {
                throw NetworkXMLError("network title can't contain newlines", element: "title", position: title.position)
            }
        }
        def.description = root.firstChild(named: "description")?.textContent
        def.ipv6WithoutGateway = try network.yesNo("ipv6") ?? false
        def.trustGuestRxFilters = try network.yesNo("trustGuestRxFilters")
        def.connections = Int(try network.unsigned("connections") ?? 0)

        if let domain = network.child("domain") {
            map[.domain] = domain.position
            def.domain = DomainDefinition(name: domain.string("name"), localOnly: try domain.yesNo("localOnly"),
                                          register: try domain.yesNo("register"))
            if def.domain?.register == true && def.domain?.localOnly != true {
                throw domain.error("attribute 'register=yes' requires 'localOnly=yes'", attribute: "register", value: "yes")
            }
        }
        if let bandwidth = network.child("bandwidth") {
            map[.bandwidth] = bandwidth.position
            def.bandwidth = try parseBandwidth(bandwidth)
        }
        if let vlan = network.child("vlan") {
            map[.vlan] = vlan.position
            def.vlan = try parseVLAN(vlan)
        }
        def.portIsolated = try network.child("port")?.yesNo("isolated")

        if let bridge = network.child("bridge") {
            map[.bridge] = bridge.position
            def.bridge = try parseBridge(bridge, mode: try forwardMode(of: network))
        }
        if let mac = network.child("mac") {
            map[.mac] = mac.position
            guard let address = try mac.mac("address") else { throw mac.error("missing required attribute", attribute: "address") }
            if address.isMulticast {
                throw mac.error("invalid multicast bridge mac address", attribute: "address", value: mac.string("address"))
            }
            def.mac = address
        }
        if let mtu = network.child("mtu") {
            map[.mtu] = mtu.position
            guard let size = try mtu.unsigned("size") else { throw mtu.error("missing required attribute", attribute: "size") }
            def.mtu = size == 0 ? nil : UInt32(size)
        }
        if let dns = network.child("dns") {
            map[.dns] = dns.position
            def.dns = try parseDNS(dns, map: &map)
        }
        if let port = network.child("virtualport") {
            map[.virtualPort] = port.position
            def.virtualPort = try parseVirtualPort(port, requireType: true)
        }
        for (i, group) in network.children("portgroup").enumerated() {
            map[.portGroup(i)] = group.position
            def.portGroups.append(try parsePortGroup(group))
        }
        for (i, ip) in network.children("ip").enumerated() {
            map[.ip(i)] = ip.position
            def.ips.append(try parseIP(ip, index: i, map: &map))
        }
        for (i, route) in network.children("route").enumerated() {
            map[.route(i)] = route.position
            def.routes.append(try parseRoute(route))
        }
        if let forward = network.child("forward") {
            map[.forward] = forward.position
            def.forward = try parseForward(forward, map: &map)
        }
        if let metadata = root.firstChild(named: "metadata") {
            def.metadata = MetadataXML.read(metadata, root: root)
        }
        def.dnsmasqOptions = try parseDnsmasqOptions(root)
        return ParsedNetwork(definition: def, sourceMap: map)
    }

    // MARK: - Bridge

    /// `mode` matters because libvirt forbids even writing `stp` in the modes that attach to an
    /// existing bridge or device, whatever its value.
    static func parseBridge(_ bridge: ElementReader, mode: ForwardMode) throws(NetworkXMLError) -> BridgeDefinition {
        var def = BridgeDefinition(name: bridge.string("name"))
        def.zone = bridge.string("zone")
        if let stp = try bridge.onOff("stp") {
            if !mode.createsBridge {
                throw bridge.error("bridge delay/stp/zone options only allowed in open, route, nat, and isolated mode, not in \(mode.rawValue)",
                                   attribute: "stp", value: bridge.string("stp"))
            }
            def.stp = stp
        }
        def.delay = try bridge.unsigned("delay", maximum: UInt64(Int64.max)) ?? 0
        if let manager = bridge.string("macTableManager") {
            guard let value = MACTableManager(rawValue: manager) else {
                throw bridge.error("invalid macTableManager setting; expected 'kernel' or 'libvirt'", attribute: "macTableManager",
                                   value: manager)
            }
            def.macTableManager = value
        }
        return def
    }

    /// The forward mode alone, for checks that depend on it before `<forward>` is parsed whole.
    static func forwardMode(of network: ElementReader) throws(NetworkXMLError) -> ForwardMode {
        guard let forward = network.child("forward") else { return .none }
        guard let mode = forward.string("mode") else { return .nat }
        guard let parsed = ForwardMode(rawValue: mode), parsed != .none else {
            throw forward.error("unknown forwarding type; expected one of nat, route, open, bridge, private, vepa, passthrough, hostdev",
                                attribute: "mode", value: mode)
        }
        return parsed
    }

    // MARK: - dnsmasq namespace

    /// `<PREFIX:options><PREFIX:option value='...'/></PREFIX:options>` where PREFIX is whatever
    /// the root binds to libvirt's dnsmasq namespace URI.
    static func parseDnsmasqOptions(_ root: XMLElement) throws(NetworkXMLError) -> [String] {
        let prefixes = root.attributes.compactMap { attribute -> String? in
            guard attribute.name.hasPrefix("xmlns:"), attribute.value == dnsmasqNamespace else { return nil }
            return String(attribute.name.dropFirst("xmlns:".count))
        }
        var options: [String] = []
        for prefix in prefixes {
            for container in root.children(named: prefix + ":options") {
                for option in container.children(named: prefix + ":option") {
                    let reader = ElementReader(option)
                    guard let value = option.attribute("value") else {
                        throw reader.error("no dnsmasq options value specified", attribute: "value")
                    }
                    options.append(value)
                }
            }
        }
        return options
    }
}
