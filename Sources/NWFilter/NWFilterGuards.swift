/// Protections Patchbay adds to every filtered port, outside any filter, so a filter means
/// what it means under libvirt while Patchbay's own services stay safe.
public enum NWFilterGuards {
    /// On a network whose DHCP server is Patchbay, a filtered guest's DHCP server replies
    /// (UDP 67 to 68) are dropped before anything else of its filter runs: libvirt's
    /// clean-traffic lets a guest answer other guests' DISCOVERs from its own address, and a
    /// rogue server is the easiest way to take over a network's guests.
    public static func dhcpServer() -> [NWFilterInstantiatedRule] {
        var match = NWFilterMatch(protocol: .ip)
        match[.protocol] = NWFilterMatchValue(.number(17, hex: false))
        match[.srcportstart] = NWFilterMatchValue(.number(67, hex: false))
        match[.dstportstart] = NWFilterMatchValue(.number(68, hex: false))
        return [NWFilterInstantiatedRule(chain: .root, chainPriority: 0, priority: -1000, action: .drop, direction: .out,
                                         stateMatch: false, match: match, filter: "patchbay-dhcp-server-guard")]
    }
}
