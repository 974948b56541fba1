import PatchbayModel

extension NetworkValidator {
    /// libvirt's networkValidate (bridge_driver.c), less what needs the host (the sysfs check that
    /// a PCI device is an SR-IOV virtual function).
    static func validateForDefine(_ def: NetworkDefinition, _ map: SourceMap) throws(NetworkXMLError) {
        if def.name.contains("\n") {
            throw NetworkXMLError("name cannot contain a newline", element: "name", position: map[.name])
        }
        // Names end up in other administrators' terminals (net-list) and in logs: no escape
        // sequences or other control characters (libvirt checks only '/' and newline).
        if def.name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw NetworkXMLError("name cannot contain control characters", element: "name", position: map[.name])
        }
        let mode = def.forward.mode
        var bandwidthAllowed = mode.createsBridge
        if mode.createsBridge {
            if let name = def.bridge.name {
                try validateBridgeName(name, at: map[.bridge])
            }
        } else {
            if mode == .bridge && def.bridge.name != nil { bandwidthAllowed = true }
            let unsupported: (String, SourcePosition?)?
            if def.mac != nil { unsupported = ("mac", map[.mac]) }
            else if !def.ips.isEmpty { unsupported = ("ip", map[.ip(0)]) }
            else if !def.dns.txts.isEmpty || !def.dns.hosts.isEmpty || !def.dns.srvs.isEmpty { unsupported = ("dns", map[.dns]) }
            else if def.domain?.name != nil { unsupported = ("domain", map[.domain]) }
            else { unsupported = nil }
            if let (element, position) = unsupported {
                throw NetworkXMLError("unsupported <\(element)> element in network \(def.name) with forward mode='\(mode.rawValue)'",
                                      element: element, position: position)
            }
        }
        if def.bandwidth != nil && !bandwidthAllowed {
            throw NetworkXMLError("unsupported network-wide <bandwidth> element in network \(def.name) with forward mode='\(mode.rawValue)'",
                                  element: "bandwidth", position: map[.bandwidth])
        }
        if mode == .hostdev, let interface = def.forward.interfaces.first {
            throw NetworkXMLError("hostdev network '\(def.name)' lists '\(interface.dev)' in the device pool, but hostdev networks require all devices to be listed by PCI address, not network device name",
                                  element: "interface", attribute: "dev", value: interface.dev, position: map[.forwardInterface(0)])
        }
        if mode != .hostdev, !def.forward.pciAddresses.isEmpty {
            throw NetworkXMLError("network '\(def.name)' has forward mode '\(mode.rawValue)' but lists a device by PCI address in the device pool; this is only supported for forward mode 'hostdev'",
                                  element: "address", position: map[.pciAddress(0)])
        }

        var ipv4DHCP = false, ipv6DHCP = false
        for (i, ip) in def.ips.enumerated() where ip.dhcp.isEnabled {
            if ip.isIPv4 ? ipv4DHCP : ipv6DHCP {
                throw NetworkXMLError("multiple \(ip.isIPv4 ? "IPv4" : "IPv6") dhcp sections found -- dhcp is supported only for a single \(ip.isIPv4 ? "IPv4" : "IPv6") address on each network",
                                      element: "dhcp", position: map[.ip(i)])
            }
            if ip.isIPv4 { ipv4DHCP = true } else { ipv6DHCP = true }
        }

        try validatePortGroups(def, map, bandwidthAllowed: bandwidthAllowed)
    }

    /// The kernel's rules for interface names (dev_valid_name): at most 15 bytes, not "." or "..",
    /// no '/', ':' or whitespace. A "%d" template is checked with a number in its place.
    static func validateBridgeName(_ name: String, at position: SourcePosition?) throws(NetworkXMLError) {
        let concrete = name.replacingOccurrences("%d", with: "0")
        if concrete.isEmpty || concrete.utf8.count > 15 || concrete == "." || concrete == ".."
            || concrete.unicodeScalars.contains(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace || $0.value < 0x20 }) {
            throw NetworkXMLError("invalid bridge name: at most 15 bytes, without '/', ':' or whitespace", element: "bridge",
                                  attribute: "name", value: name, position: position)
        }
    }

    static func validatePortGroups(_ def: NetworkDefinition, _ map: SourceMap, bandwidthAllowed: Bool) throws(NetworkXMLError) {
        let mode = def.forward.mode
        // libvirt's networkValidate, plus one extension: a plain host bridge (`<forward
        // mode='bridge'/><bridge name>` without a virtualport) carries VLANs with the kernel's
        // bridge VLAN filtering, which Patchbay programs per port (libvirt refuses it).
        let hostBridge = mode == .bridge && def.bridge.name != nil && def.virtualPort == nil
        let vlanAllowed = mode == .hostdev || mode == .passthrough || (mode == .bridge && def.virtualPort?.type == .openvswitch) || hostBridge
        let vlanUsed = !(def.vlan?.tags.isEmpty ?? true)
        var badVLAN = false
        var defaultGroup: String?
        var names: Set<String> = []
        for (i, group) in def.portGroups.enumerated() {
            let at = map[.portGroup(i)]
            if vlanUsed || !(group.vlan?.tags.isEmpty ?? true) {
                if let port = group.virtualPort {
                    // A portgroup's `<virtualport>` without a type takes the network's
                    // (virNetDevVPortProfileMerge3), as libvirt's openvswitch-net test network
                    // has it; libvirt's networkValidate looks at the group's own type only, and
                    // so refuses that network.
                    if mode != .bridge || (port.type ?? def.virtualPort?.type) != .openvswitch { badVLAN = true }
                } else if !vlanAllowed {
                    badVLAN = true
                }
            }
            if group.isDefault {
                if let defaultGroup {
                    throw NetworkXMLError("network '\(def.name)' has multiple default <portgroup> elements (\(defaultGroup) and \(group.name)), but only one default is allowed",
                                          element: "portgroup", attribute: "default", value: "yes", position: at)
                }
                defaultGroup = group.name
            }
            if !names.insert(group.name).inserted {
                throw NetworkXMLError("multiple <portgroup> elements with the same name (\(group.name)) in network '\(def.name)'",
                                      element: "portgroup", attribute: "name", value: group.name, position: at)
            }
            if group.bandwidth != nil && (!bandwidthAllowed || mode == .hostdev) {
                throw NetworkXMLError("unsupported <bandwidth> element in network '\(def.name)' in portgroup '\(group.name)' with forward mode='\(mode.rawValue)'",
                                      element: "bandwidth", position: at)
            }
        }
        if badVLAN || (vlanUsed && !vlanAllowed && defaultGroup == nil) {
            throw NetworkXMLError("<vlan> element specified for network \(def.name), whose type doesn't support vlan configuration",
                                  element: "vlan", position: map[.vlan])
        }
    }
}

extension String {
    /// Foundation-free replacement of every occurrence of `target`.
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
