import PatchbayModel

/// Writes a `<networkport>` as libvirt's virNetworkPortDefFormatBuf (src/conf/virnetworkportdef.c)
/// does, for `net-port-dumpxml`: owner, group and MAC, then the parts shared with `<network>` in
/// the same form, then the plug.
public enum NetworkPortXMLFormatter {
    public static func format(_ port: NetworkPortDefinition) -> String {
        typealias F = NetworkXMLFormatter
        let out = F.Output()
        out.line("<networkport>")
        out.indent {
            out.line("<uuid>\(port.uuid)</uuid>")
            out.line("<owner>")
            out.indent {
                out.line("<name>\(F.escape(port.ownerName))</name>")
                if let owner = port.ownerUUID { out.line("<uuid>\(owner)</uuid>") }
            }
            out.line("</owner>")
            if let group = port.group { out.line("<group>\(F.escape(group))</group>") }
            out.line("<mac address='\(port.mac)'/>")
            if let virtualPort = port.virtualPort { F.formatVirtualPort(virtualPort, into: out) }
            if let bandwidth = port.bandwidth { F.formatBandwidth(bandwidth, classID: port.bandwidthClassID.flatMap { $0 == 0 ? nil : $0 }, into: out) }
            if let vlan = port.vlan { F.formatVLAN(vlan, into: out) }
            if let isolated = port.isolated { out.line("<port isolated='\(F.yesNo(isolated))'/>") }
            if let trust = port.trustGuestRxFilters { out.line("<rxfilters trustGuest='\(F.yesNo(trust))'/>") }
            if let plug = port.plug { formatPlug(plug, into: out) }
        }
        out.line("</networkport>")
        return out.text
    }

    static func formatPlug(_ plug: NetworkPortDefinition.Plug, into out: NetworkXMLFormatter.Output) {
        typealias F = NetworkXMLFormatter
        switch plug {
        case .network(let bridge, let manager), .bridge(let bridge, let manager):
            let type = if case .network = plug { "network" } else { "bridge" }
            out.line("<plug type='\(type)' bridge='\(F.escape(bridge))'" + (manager.map { " macTableManager='\($0.rawValue)'" } ?? "") + "/>")
        case .direct(let dev, let mode):
            out.line("<plug type='direct' dev='\(F.escape(dev))' mode='\(mode.rawValue)'/>")
        case .hostdevPCI(let hostdev):
            out.line("<plug type='hostdev-pci'" + (hostdev.managed.map { " managed='\(F.yesNo($0))'" } ?? "") + ">")
            out.indent {
                if let driver = F.hostdevDriver(name: hostdev.driverName, model: hostdev.driverModel) { out.line(driver) }
                out.line(F.pciAddress(hostdev.address, withType: false))
            }
            out.line("</plug>")
        }
    }
}
