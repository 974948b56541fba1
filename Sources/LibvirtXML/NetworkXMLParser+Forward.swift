import PatchbayModel

extension NetworkXMLParser {
    /// libvirt's virNetworkForwardDefParseXML.
    static func parseForward(_ forward: ElementReader, map: inout SourceMap) throws(NetworkXMLError) -> ForwardDefinition {
        var def = ForwardDefinition()
        if let mode = forward.string("mode") {
            guard let parsed = ForwardMode(rawValue: mode), parsed != .none else {
                throw forward.error("unknown forwarding type; expected one of nat, route, open, bridge, private, vepa, passthrough, hostdev",
                                    attribute: "mode", value: mode)
            }
            def.mode = parsed
        } else {
            def.mode = .nat
        }
        def.managed = forward.string("managed")?.lowercased() == "yes"
        if let driver = forward.child("driver") {
            (def.driverName, def.driverModel) = try parseHostdevDriver(driver)
        }

        let interfaces = forward.children("interface")
        let addresses = forward.children("address")
        let pfs = forward.children("pf")
        let nats = forward.children("nat")

        if nats.count > 1 { throw nats[1].error("only one <nat> element is allowed in <forward>") }
        if let nat = nats.first {
            map[.nat] = nat.position
            guard def.mode == .nat else {
                throw nat.error("the <nat> element can only be used when <forward> 'mode' is 'nat'")
            }
            def.nat = try parseNAT(nat)
        }

        let dev = forward.string("dev")
        if dev != nil && (!addresses.isEmpty || !pfs.isEmpty) {
            throw forward.error("the 'dev' attribute cannot be used when <address> or <pf> sub-elements are present",
                                attribute: "dev", value: dev)
        }
        if !interfaces.isEmpty || dev != nil {
            if let dev { def.interfaces.append(ForwardInterface(dev: dev)) }
            for (i, interface) in interfaces.enumerated() {
                map[.forwardInterface(i)] = interface.position
                let name = try interface.required("dev")
                let connections = Int(try interface.unsigned("connections") ?? 0)
                if i == 0, let dev {
                    guard name == dev else {
                        throw interface.error("<forward dev='\(dev)'> must match the first <interface dev>", attribute: "dev", value: name)
                    }
                    def.interfaces[0].connections = connections
                    continue
                }
                if def.interfaces.contains(where: { $0.dev == name }) {
                    throw interface.error("interface can only be listed once", attribute: "dev", value: name)
                }
                def.interfaces.append(ForwardInterface(dev: name, connections: connections))
            }
        } else if !addresses.isEmpty {
            for (i, address) in addresses.enumerated() {
                map[.pciAddress(i)] = address.position
                let type = try address.required("type")
                guard type == "pci" else {
                    throw address.error("unsupported address type; only 'pci' is supported", attribute: "type", value: type)
                }
                let pci = try parsePCIAddress(address)
                if def.pciAddresses.contains(pci) {
                    throw address.error("PCI device '\(pci)' can only be listed once")
                }
                def.pciAddresses.append(pci)
            }
        } else if pfs.count > 1 {
            throw pfs[1].error("only one <pf> element is allowed in <forward>")
        } else if let pf = pfs.first {
            def.pf = try pf.required("dev")
        }
        return def
    }

    /// virDeviceHostdevPCIDriverInfoParseXML (src/conf/device_conf.c): `name` is one of the
    /// enum's non-default values (VIR_XML_PROP_NONZERO, so libvirt refuses an explicit
    /// 'default' too), `model` any string, kept as written.
    static func parseHostdevDriver(_ driver: ElementReader) throws(NetworkXMLError) -> (name: String?, model: String?) {
        let name = driver.string("name")
        if let name, !["kvm", "vfio", "xen"].contains(name) {
            throw driver.error("unknown driver name; expected 'kvm', 'vfio' or 'xen'", attribute: "name", value: name)
        }
        return (name, driver.string("model"))
    }

    /// virPCIDeviceAddressParseXML: base-0 integers within the PCI limits.
    static func parsePCIAddress(_ address: ElementReader) throws(NetworkXMLError) -> PCIAddress {
        PCIAddress(domain: UInt32(try address.cInteger("domain", maximum: 0xFFFF_FFFF) ?? 0),
                   bus: UInt8(try address.cInteger("bus", maximum: 0xFF) ?? 0),
                   slot: UInt8(try address.cInteger("slot", maximum: 0x1F) ?? 0),
                   function: UInt8(try address.cInteger("function", maximum: 7) ?? 0))
    }

    /// virNetworkForwardNatDefParseXML.
    static func parseNAT(_ nat: ElementReader) throws(NetworkXMLError) -> NATDefinition {
        var def = NATDefinition(ipv6: try nat.yesNo("ipv6"))
        let addresses = nat.children("address")
        if addresses.count > 1 { throw addresses[1].error("only one <address> element is allowed in <nat>") }
        if let address = addresses.first {
            guard let startText = address.string("start") else { throw address.error("missing required attribute", attribute: "start") }
            guard let endText = address.string("end") else { throw address.error("missing required attribute", attribute: "end") }
            guard let start = IPv4Address(startText) else { throw address.error("bad IPv4 start address", attribute: "start", value: startText) }
            guard let end = IPv4Address(endText) else { throw address.error("bad IPv4 end address", attribute: "end", value: endText) }
            guard start <= end else { throw address.error("range \(start) - \(end) is reversed", attribute: "end", value: endText) }
            def.addressStart = start
            def.addressEnd = end
        }
        let ports = nat.children("port")
        if ports.count > 1 { throw ports[1].error("only one <port> element is allowed in <nat>") }
        if let port = ports.first {
            guard let start = try port.unsigned("start", maximum: 65535) else {
                throw port.error("missing or invalid 'start' attribute", attribute: "start")
            }
            guard let end = try port.unsigned("end", maximum: 65535), end >= start else {
                throw port.error("missing or invalid 'end' attribute (it must be at least 'start')", attribute: "end", value: port.string("end"))
            }
            def.portStart = UInt16(start)
            def.portEnd = UInt16(end)
        }
        return def
    }
}
