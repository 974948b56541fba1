import PatchbayModel

/// Step three of three: writes a definition the way libvirt's virNetworkDefFormatBuf does,
/// element for element and attribute for attribute, so that `net-dumpxml` output diffs cleanly
/// against libvirt's. One deliberate difference: every user-given string is escaped. libvirt
/// writes a few (DHCP host names, portgroup names, profile ids) unescaped, so a name with a quote
/// in it produces XML that no parser reads back; the fuzzer found that here.
public enum NetworkXMLFormatter {
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// VIR_NETWORK_XML_INACTIVE: leave out run-time state (connection counts, the interface
        /// pool expanded from a `<pf>`).
        public static let inactive = Options(rawValue: 1)
    }

    public static func format(_ def: NetworkDefinition, options: Options = []) -> String {
        let out = Output()
        var root = "<network"
        if !def.dnsmasqOptions.isEmpty { root += " xmlns:dnsmasq='\(NetworkXMLParser.dnsmasqNamespace)'" }
        if !options.contains(.inactive) && def.connections > 0 { root += " connections='\(def.connections)'" }
        if def.ipv6WithoutGateway { root += " ipv6='yes'" }
        if let trust = def.trustGuestRxFilters { root += " trustGuestRxFilters='\(yesNo(trust))'" }
        out.line(root + ">")
        out.indent {
            out.line("<name>\(escape(def.name))</name>")
            out.line("<uuid>\(def.uuid)</uuid>")
            if let title = def.title { out.line("<title>\(escape(title))</title>") }
            if let description = def.description { out.line("<description>\(escape(description))</description>") }
            // Foreign XML is written as libxml2 serializes it, not in libvirt's own style.
            if let metadata = def.metadata { out.line(LibXML2Writer.format(metadata, level: out.depth)) }
            formatForward(def.forward, options: options, into: out)
            formatBridge(def, into: out)
            if let mtu = def.mtu { out.line("<mtu size='\(mtu)'/>") }
            if let mac = def.mac { out.line("<mac address='\(mac)'/>") }
            if let domain = def.domain, let name = domain.name {
                var line = "<domain name='\(escape(name))'"
                if let localOnly = domain.localOnly { line += " localOnly='\(yesNo(localOnly))'" }
                if let register = domain.register { line += " register='\(yesNo(register))'" }
                out.line(line + "/>")
            }
            formatDNS(def.dns, into: out)
            if let vlan = def.vlan { formatVLAN(vlan, into: out) }
            if let bandwidth = def.bandwidth { formatBandwidth(bandwidth, into: out) }
            if let isolated = def.portIsolated { out.line("<port isolated='\(yesNo(isolated))'/>") }
            for ip in def.ips { formatIP(ip, into: out) }
            for route in def.routes { formatRoute(route, into: out) }
            if let port = def.virtualPort { formatVirtualPort(port, into: out) }
            for group in def.portGroups { formatPortGroup(group, into: out) }
            if !def.dnsmasqOptions.isEmpty {
                out.line("<dnsmasq:options>")
                out.indent {
                    for option in def.dnsmasqOptions { out.line("<dnsmasq:option value='\(escape(option))'/>") }
                }
                out.line("</dnsmasq:options>")
            }
        }
        out.line("</network>")
        return out.text
    }

    // MARK: - Sections

    static func formatForward(_ forward: ForwardDefinition, options: Options, into out: Output) {
        guard forward.mode != .none else { return }
        var line = "<forward"
        if let dev = forward.dev { line += " dev='\(escape(dev))'" }
        line += " mode='\(forward.mode.rawValue)'"
        if forward.mode == .hostdev { line += forward.managed ? " managed='yes'" : " managed='no'" }
        let nat = forward.mode == .nat ? forward.nat.flatMap { $0.isEmpty ? nil : $0 } : nil
        // libvirt's shortforward test looks at the driver name only, so a lone `<driver model>`
        // comes out after a self-closed `<forward/>`, which no parser reads back; here the model
        // keeps `<forward>` open too.
        let short = forward.interfaces.isEmpty && forward.pciAddresses.isEmpty && forward.pf == nil
            && nat == nil && forward.driverName == nil && forward.driverModel == nil
        if short {
            out.line(line + "/>")
            return
        }
        out.line(line + ">")
        out.indent {
            if let driver = hostdevDriver(name: forward.driverName, model: forward.driverModel) { out.line(driver) }
            if let nat { formatNAT(nat, into: out) }
            if let pf = forward.pf { out.line("<pf dev='\(escape(pf))'/>") }
            if forward.pf == nil || !options.contains(.inactive) {
                for interface in forward.interfaces {
                    var entry = "<interface dev='\(escape(interface.dev))'"
                    if !options.contains(.inactive) && interface.connections > 0 { entry += " connections='\(interface.connections)'" }
                    out.line(entry + "/>")
                }
                for pci in forward.pciAddresses { out.line(pciAddress(pci, withType: true)) }
            }
        }
        out.line("</forward>")
    }

    /// virDeviceHostdevPCIDriverInfoFormat: `<driver name='…' model='…'/>` with the attributes
    /// that are set, nothing when neither is.
    static func hostdevDriver(name: String?, model: String?) -> String? {
        guard name != nil || model != nil else { return nil }
        return "<driver" + (name.map { " name='\($0)'" } ?? "") + (model.map { " model='\(escape($0))'" } ?? "") + "/>"
    }

    /// virPCIDeviceAddressFormat: a pool entry says its type, a port's plug does not.
    static func pciAddress(_ pci: PCIAddress, withType: Bool) -> String {
        "<address" + (withType ? " type='pci'" : "")
            + " domain='0x\(hex(pci.domain, 4))' bus='0x\(hex(UInt32(pci.bus), 2))' slot='0x\(hex(UInt32(pci.slot), 2))' function='0x\(pci.function)'/>"
    }

    static func formatNAT(_ nat: NATDefinition, into out: Output) {
        var line = "<nat"
        if let ipv6 = nat.ipv6 { line += " ipv6='\(yesNo(ipv6))'" }
        let hasAddress = nat.addressStart != nil || nat.addressEnd != nil
        let hasPort = nat.portStart != nil || nat.portEnd != nil
        guard hasAddress || hasPort else {
            out.line(line + "/>")
            return
        }
        out.line(line + ">")
        out.indent {
            if let start = nat.addressStart {
                out.line("<address start='\(start)'" + (nat.addressEnd.map { " end='\($0)'" } ?? "") + "/>")
            }
            if hasPort {
                out.line("<port start='\(nat.portStart ?? 0)'" + (nat.portEnd.map { $0 > 0 ? " end='\($0)'" : "" } ?? "") + "/>")
            }
        }
        out.line("</nat>")
    }

    static func formatBridge(_ def: NetworkDefinition, into out: Output) {
        let ownsBridge = def.forward.mode.createsBridge
        guard ownsBridge || def.bridge.name != nil || def.bridge.macTableManager != nil else { return }
        var line = "<bridge"
        if let name = def.bridge.name { line += " name='\(escape(name))'" }
        if let zone = def.bridge.zone { line += " zone='\(escape(zone))'" }
        if ownsBridge { line += " stp='\(def.bridge.stp ? "on" : "off")' delay='\(def.bridge.delay)'" }
        if let manager = def.bridge.macTableManager { line += " macTableManager='\(manager.rawValue)'" }
        out.line(line + "/>")
    }

    static func formatDNS(_ dns: DNSDefinition, into out: Output) {
        guard !dns.isEmpty else { return }
        var line = "<dns"
        if let enable = dns.enable { line += " enable='\(yesNo(enable))'" }
        if let plain = dns.forwardPlainNames { line += " forwardPlainNames='\(yesNo(plain))'" }
        guard dns.hasRecords else {
            out.line(line + "/>")
            return
        }
        out.line(line + ">")
        out.indent {
            for forwarder in dns.forwarders {
                var entry = "<forwarder"
                if let domain = forwarder.domain { entry += " domain='\(escape(domain))'" }
                if let address = forwarder.address { entry += " addr='\(address)'" }
                out.line(entry + "/>")
            }
            for txt in dns.txts { out.line("<txt name='\(escape(txt.name))' value='\(escape(txt.value))'/>") }
            for srv in dns.srvs where !srv.service.isEmpty && !srv.protocolName.isEmpty {
                var entry = "<srv service='\(escape(srv.service))' protocol='\(escape(srv.protocolName))'"
                if let domain = srv.domain { entry += " domain='\(escape(domain))'" }
                if let target = srv.target { entry += " target='\(escape(target))'" }
                if let port = srv.port, port > 0 { entry += " port='\(port)'" }
                if let priority = srv.priority, priority > 0 { entry += " priority='\(priority)'" }
                if let weight = srv.weight, weight > 0 { entry += " weight='\(weight)'" }
                out.line(entry + "/>")
            }
            for host in dns.hosts {
                out.line("<host ip='\(host.ip)'>")
                out.indent {
                    for name in host.hostnames { out.line("<hostname>\(escape(name))</hostname>") }
                }
                out.line("</host>")
            }
        }
        out.line("</dns>")
    }

    static func formatIP(_ ip: IPDefinition, into out: Output) {
        var line = "<ip"
        if let family = ip.family { line += " family='\(escape(family))'" }
        line += " address='\(ip.address)'"
        if let netmask = ip.netmask { line += " netmask='\(netmask)'" }
        if let prefix = ip.prefix, prefix > 0 { line += " prefix='\(prefix)'" }
        if let localPtr = ip.localPtr { line += " localPtr='\(yesNo(localPtr))'" }
        out.line(line + ">")
        out.indent {
            if let root = ip.tftpRoot { out.line("<tftp root='\(escape(root))'/>") }
            if ip.dhcp.isEnabled {
                out.line("<dhcp>")
                out.indent {
                    for range in ip.dhcp.ranges {
                        formatWithLease("<range start='\(range.start)' end='\(range.end)'", closing: "</range>", lease: range.lease, into: out)
                    }
                    for host in ip.dhcp.hosts {
                        var entry = "<host"
                        if let mac = host.mac { entry += " mac='\(mac)'" }
                        if let id = host.id { entry += " id='\(id)'" }
                        if let name = host.name { entry += " name='\(escape(name))'" }
                        if let address = host.ip { entry += " ip='\(address)'" }
                        formatWithLease(entry, closing: "</host>", lease: host.lease, into: out)
                    }
                    if let bootp = ip.dhcp.bootp {
                        out.line("<bootp file='\(escape(bootp.file))'" + (bootp.server.map { " server='\($0)'" } ?? "") + "/>")
                    }
                }
                out.line("</dhcp>")
            }
        }
        out.line("</ip>")
    }

    static func formatWithLease(_ open: String, closing: String, lease: LeaseTime?, into out: Output) {
        guard let lease else {
            out.line(open + "/>")
            return
        }
        out.line(open + ">")
        out.indent {
            out.line(lease.isInfinite ? "<lease expiry='0'/>" : "<lease expiry='\(lease.expiry)' unit='\(lease.unit.rawValue)'/>")
        }
        out.line(closing)
    }

    static func formatRoute(_ route: RouteDefinition, into out: Output) {
        var line = "<route"
        if let family = route.family { line += " family='\(escape(family))'" }
        line += " address='\(route.address)'"
        if let netmask = route.netmask { line += " netmask='\(netmask)'" }
        if let prefix = route.prefix { line += " prefix='\(prefix)'" }
        line += " gateway='\(route.gateway)'"
        if let metric = route.metric, metric > 0 { line += " metric='\(metric)'" }
        out.line(line + "/>")
    }

    static func formatVLAN(_ vlan: VLANDefinition, into out: Output) {
        guard !vlan.tags.isEmpty else { return }
        out.line(vlan.trunk ? "<vlan trunk='yes'>" : "<vlan>")
        out.indent {
            for tag in vlan.tags {
                out.line("<tag id='\(tag.id)'" + (tag.nativeMode.map { " nativeMode='\($0.rawValue)'" } ?? "") + "/>")
            }
        }
        out.line("</vlan>")
    }

    /// virNetDevBandwidthFormat; only a port has a `classID`.
    static func formatBandwidth(_ bandwidth: BandwidthDefinition, classID: UInt32? = nil, into out: Output) {
        out.line(classID.map { "<bandwidth classID='\($0)'>" } ?? "<bandwidth>")
        out.indent {
            for (name, rate) in [("inbound", bandwidth.inbound), ("outbound", bandwidth.outbound)] {
                guard let rate, (rate.average ?? 0) > 0 || (rate.floor ?? 0) > 0 else { continue }
                var line = "<\(name)"
                if let average = rate.average, average > 0 { line += " average='\(average)'" }
                if let peak = rate.peak, peak > 0 { line += " peak='\(peak)'" }
                if let floor = rate.floor, floor > 0 { line += " floor='\(floor)'" }
                if let burst = rate.burst, burst > 0 { line += " burst='\(burst)'" }
                out.line(line + "/>")
            }
        }
        out.line("</bandwidth>")
    }

    /// virNetDevVPortProfileFormat: each parameter only for the types that use it.
    static func formatVirtualPort(_ port: VirtualPortDefinition, into out: Output) {
        let type = port.type
        guard port.hasParameters else {
            if let type { out.line("<virtualport type='\(type.rawValue)'/>") }
            return
        }
        out.line(type.map { "<virtualport type='\($0.rawValue)'>" } ?? "<virtualport>")
        out.indent {
            var line = "<parameters"
            let qbg = type == nil || type == .ieee8021Qbg
            if qbg, let v = port.managerID { line += " managerid='\(v)'" }
            if qbg, let v = port.typeID { line += " typeid='\(v)'" }
            if qbg, let v = port.typeIDVersion { line += " typeidversion='\(v)'" }
            if qbg, let v = port.instanceID { line += " instanceid='\(v)'" }
            if type == nil || type == .midonet || type == .openvswitch, let v = port.interfaceID { line += " interfaceid='\(v)'" }
            if type == nil || type == .openvswitch || type == .ieee8021Qbh, let v = port.profileID { line += " profileid='\(escape(v))'" }
            out.line(line + "/>")
        }
        out.line("</virtualport>")
    }

    static func formatPortGroup(_ group: PortGroupDefinition, into out: Output) {
        var line = "<portgroup name='\(escape(group.name))'"
        if group.isDefault { line += " default='yes'" }
        if let trust = group.trustGuestRxFilters { line += " trustGuestRxFilters='\(yesNo(trust))'" }
        out.line(line + ">")
        out.indent {
            if let vlan = group.vlan { formatVLAN(vlan, into: out) }
            if let port = group.virtualPort { formatVirtualPort(port, into: out) }
            if let bandwidth = group.bandwidth { formatBandwidth(bandwidth, into: out) }
        }
        out.line("</portgroup>")
    }

    static func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }
    static func escape(_ text: String) -> String { XMLWriter.escape(text) }

    /// virBuffer with auto-indent: lines at the current depth, two spaces a level. A class so
    /// that nested `indent` blocks can write to the same buffer.
    final class Output {
        var text = ""
        var depth = 0

        func line(_ content: String) {
            text += String(repeating: "  ", count: depth) + content + "\n"
        }

        func indent(_ body: () -> Void) {
            depth += 1
            body()
            depth -= 1
        }
    }
}

private func hex(_ value: UInt32, _ width: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
