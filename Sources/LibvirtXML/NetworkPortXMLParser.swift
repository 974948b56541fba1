import PatchbayModel

/// Reads a `<networkport>` document as libvirt's virNetworkPortDefParseXML
/// (src/conf/virnetworkportdef.c) does: uuid, owner name and uuid and MAC required, the first of
/// each element counts, unknown elements are ignored, and the parts shared with `<network>`
/// (virtualport, bandwidth, vlan, port) read by the same code.
public enum NetworkPortXMLParser {
    public static func parse(_ text: String) throws(NetworkXMLError) -> NetworkPortDefinition {
        let root: XMLElement
        do { root = try XMLTreeParser.parse(text) } catch {
            throw NetworkXMLError("malformed XML: \(error.message)", position: error.position)
        }
        return try parse(root)
    }

    public static func parse(_ root: XMLElement) throws(NetworkXMLError) -> NetworkPortDefinition {
        guard root.name == "networkport" else {
            throw NetworkXMLError("unknown root element for network port: <\(root.name)>", element: root.name, position: root.position)
        }
        let port = ElementReader(root)
        let uuid = try requiredUUID(port.child("uuid"), in: port, what: "network port has no uuid")
        let owner = port.child("owner")
        // virXPathString gives NULL for an empty string, so an empty name is a missing one.
        guard let ownerName = owner?.child("name")?.element.textContent, !ownerName.isEmpty else {
            throw (owner ?? port).error("network port has no owner name")
        }
        let ownerUUID = try requiredUUID(owner?.child("uuid"), in: owner ?? port, what: "network port has no owner UUID")
        guard let macElement = port.child("mac"), let mac = try macElement.mac("address") else {
            throw (port.child("mac") ?? port).error("network port has no mac", attribute: "address")
        }
        var def = NetworkPortDefinition(uuid: uuid, ownerName: ownerName, ownerUUID: ownerUUID, mac: mac)
        if let group = port.child("group")?.element.textContent, !group.isEmpty { def.group = group }
        def.virtualPort = try port.child("virtualport").map { p throws(NetworkXMLError) in
            try NetworkXMLParser.parseVirtualPort(p, requireType: false)
        }
        if let bandwidth = port.child("bandwidth") {
            // A port may reserve a floor and carry its tc class, which a network may not.
            def.bandwidthClassID = try bandwidth.unsigned("classID").map(UInt32.init)
            def.bandwidth = try NetworkXMLParser.parseBandwidth(bandwidth, allowClassID: true, allowFloor: true)
        }
        def.vlan = try port.child("vlan").map { v throws(NetworkXMLError) in try NetworkXMLParser.parseVLAN(v) }
        def.isolated = try port.child("port")?.yesNo("isolated")
        def.trustGuestRxFilters = try port.child("rxfilters")?.yesNo("trustGuest")
        if let plug = port.child("plug") { def.plug = try parsePlug(plug) }
        return def
    }

    static func requiredUUID(_ element: ElementReader?, in parent: ElementReader, what: String) throws(NetworkXMLError) -> NetworkUUID {
        guard let element, !element.element.textContent.isEmpty else { throw parent.error(what) }
        guard let uuid = NetworkUUID(element.element.textContent) else {
            throw NetworkXMLError("unable to parse UUID", element: element.name, value: element.element.textContent, position: element.position)
        }
        return uuid
    }

    /// The plug types of virNetworkPortPlugType; `none` and no type at all are no plug.
    static func parsePlug(_ plug: ElementReader) throws(NetworkXMLError) -> NetworkPortDefinition.Plug? {
        switch plug.string("type") {
        case nil, "none":
            return nil
        case "network", "bridge":
            guard let bridge = plug.string("bridge") else { throw plug.error("missing network port bridge name", attribute: "bridge") }
            let manager = try plug.enumeration("macTableManager", MACTableManager.self)
            return plug.string("type") == "network" ? .network(bridge: bridge, macTableManager: manager) : .bridge(bridge: bridge, macTableManager: manager)
        case "direct":
            guard let dev = plug.string("dev") else { throw plug.error("missing network port link device name", attribute: "dev") }
            return .direct(dev: dev, mode: try plug.enumeration("mode", NetworkPortDefinition.DirectMode.self) ?? .vepa)
        case "hostdev-pci":
            guard let address = plug.child("address") else { throw plug.error("missing network port PCI address") }
            var hostdev = NetworkPortDefinition.HostdevPCI(address: try NetworkXMLParser.parsePCIAddress(address), managed: try plug.yesNo("managed"))
            if let driver = plug.child("driver") { (hostdev.driverName, hostdev.driverModel) = try NetworkXMLParser.parseHostdevDriver(driver) }
            return .hostdevPCI(hostdev)
        case let type?:
            throw plug.error("expected one of 'none', 'network', 'bridge', 'direct', 'hostdev-pci'", attribute: "type", value: type)
        }
    }
}
