import PatchbayModel

extension NetworkXMLParser {
    /// virNetDevBandwidthParse. A network and its portgroups can neither name a tc class nor
    /// reserve a floor (that is for the ports guests use); a port can do both, the floor for
    /// inbound traffic only.
    static func parseBandwidth(_ bandwidth: ElementReader, allowClassID: Bool = false, allowFloor: Bool = false)
        throws(NetworkXMLError) -> BandwidthDefinition? {
        if !allowClassID && bandwidth.string("classID") != nil {
            throw bandwidth.error("classID attribute not supported on <bandwidth> in this usage context", attribute: "classID")
        }
        let def = BandwidthDefinition(
            inbound: try bandwidth.child("inbound").flatMap { r throws(NetworkXMLError) in try parseRate(r, allowFloor: allowFloor) },
            outbound: try bandwidth.child("outbound").flatMap { r throws(NetworkXMLError) in try parseRate(r, allowFloor: false) })
        return def.inbound == nil && def.outbound == nil ? nil : def
    }

    /// A rate whose average and floor are both 0 limits nothing; libvirt accepts it and then
    /// writes nothing for it, so it is read as absent to keep the round trip stable.
    static func parseRate(_ rate: ElementReader, allowFloor: Bool) throws(NetworkXMLError) -> BandwidthRate? {
        let def = BandwidthRate(average: try rate.unsigned("average", maximum: 1 << 54),
                                peak: try rate.unsigned("peak", maximum: 1 << 54),
                                burst: try rate.unsigned("burst", maximum: UInt64(UInt32.max >> 10)),
                                floor: try rate.unsigned("floor", maximum: 1 << 54))
        if def.average == nil && def.floor == nil { throw rate.error("missing mandatory average or floor attribute") }
        if (def.peak != nil || def.burst != nil) && def.average == nil {
            throw rate.error("'peak' and 'burst' require the 'average' attribute")
        }
        if def.floor != nil && !allowFloor { throw rate.error("the floor attribute is not supported for this config", attribute: "floor") }
        return (def.average ?? 0) == 0 && (def.floor ?? 0) == 0 ? nil : def
    }

    /// virNetDevVlanParse.
    static func parseVLAN(_ vlan: ElementReader) throws(NetworkXMLError) -> VLANDefinition {
        let tagElements = vlan.children("tag")
        guard !tagElements.isEmpty else { throw vlan.error("each <vlan> must have at least one <tag id='n'/>") }
        var tags: [VLANTag] = []
        var sawNative = false
        for tag in tagElements {
            guard let id = try tag.unsigned("id", maximum: UInt64.max) else { throw tag.error("missing or invalid vlan tag id", attribute: "id") }
            guard id <= 4095 else { throw tag.error("vlan tag id too large (maximum 4095)", attribute: "id", value: String(id)) }
            let mode = try tag.enumeration("nativeMode", VLANTag.NativeMode.self)
            if mode != nil {
                if sawNative { throw tag.error("duplicate native vlan setting", attribute: "nativeMode") }
                sawNative = true
            }
            tags.append(VLANTag(id: UInt16(id), nativeMode: mode))
        }
        var trunk = tags.count > 1
        if let text = vlan.string("trunk") {
            switch text.lowercased() {
            case "yes": trunk = true
            case "no":
                if tags.count > 1 { throw vlan.error("trunk='yes' is required for more than one vlan tag", attribute: "trunk", value: text) }
                if sawNative { throw vlan.error("trunk='no' is not allowed with a native vlan id", attribute: "trunk", value: text) }
                trunk = false
            default:
                throw vlan.error("expected 'yes' or 'no'", attribute: "trunk", value: text)
            }
        }
        return VLANDefinition(trunk: trunk, tags: tags)
    }

    /// virNetDevVPortProfileParse and virNetDevVPortProfileCheckNoExtras.
    static func parseVirtualPort(_ port: ElementReader, requireType: Bool) throws(NetworkXMLError) -> VirtualPortDefinition {
        var def = VirtualPortDefinition(type: try port.enumeration("type", VirtualPortDefinition.Kind.self))
        if def.type == nil && requireType { throw port.error("missing required virtualport type", attribute: "type") }
        if let parameters = port.child("parameters") {
            def.managerID = try parameters.cInteger("managerid", maximum: 0xFF).map(UInt8.init)
            def.typeID = try parameters.cInteger("typeid", maximum: 0xFF_FFFF).map(UInt32.init)
            def.typeIDVersion = try parameters.cInteger("typeidversion", maximum: 0xFF).map(UInt8.init)
            def.instanceID = try parameters.uuid("instanceid")
            def.interfaceID = try parameters.uuid("interfaceid")
            if let profile = parameters.string("profileid") {
                guard profile.utf8.count < 40 else { throw parameters.error("profileid parameter too long", attribute: "profileid", value: profile) }
                def.profileID = profile
            }
            // Which parameters each type accepts (virNetDevVPortProfileCheckNoExtras).
            let allowed: Set<String>
            switch def.type {
            case .ieee8021Qbg?: allowed = ["managerid", "typeid", "typeidversion", "instanceid"]
            case .ieee8021Qbh?: allowed = ["profileid"]
            case .openvswitch?: allowed = ["interfaceid", "profileid"]
            case .midonet?: allowed = ["interfaceid"]
            case nil: allowed = ["managerid", "typeid", "typeidversion", "instanceid", "interfaceid", "profileid"]
            }
            for attribute in parameters.element.attributes where !allowed.contains(attribute.name) {
                throw parameters.error("extra \(attribute.name) field in \(def.type?.rawValue ?? "untyped") virtualport profile",
                                       attribute: attribute.name, value: attribute.value)
            }
        }
        return def
    }

    /// virNetworkPortGroupParseXML.
    static func parsePortGroup(_ group: ElementReader) throws(NetworkXMLError) -> PortGroupDefinition {
        var def = PortGroupDefinition(name: try group.required("name"))
        def.isDefault = group.string("default")?.lowercased() == "yes"
        def.trustGuestRxFilters = try group.yesNo("trustGuestRxFilters")
        def.virtualPort = try group.child("virtualport").map { p throws(NetworkXMLError) in try parseVirtualPort(p, requireType: false) }
        def.bandwidth = try group.child("bandwidth").flatMap { b throws(NetworkXMLError) in try parseBandwidth(b) }
        def.vlan = try group.child("vlan").map { v throws(NetworkXMLError) in try parseVLAN(v) }
        return def
    }
}
