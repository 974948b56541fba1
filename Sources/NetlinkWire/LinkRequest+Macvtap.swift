import PatchbayModel

extension LinkRequest {
    /// A macvtap's mode as the kernel spells it (enum macvlan_mode, <linux/if_link.h>).
    public static func macvlanMode(_ mode: NetworkPortDefinition.DirectMode) -> UInt32 {
        switch mode {
        case .private: NetlinkConstants.MACVLAN_MODE_PRIVATE
        case .vepa: NetlinkConstants.MACVLAN_MODE_VEPA
        case .bridge: NetlinkConstants.MACVLAN_MODE_BRIDGE
        case .passthrough: NetlinkConstants.MACVLAN_MODE_PASSTHRU
        }
    }

    /// The mode a macvtap reports, nil for one libvirt has no name for (MACVLAN_MODE_SOURCE).
    public static func directMode(macvlanMode: UInt32) -> NetworkPortDefinition.DirectMode? {
        NetworkPortDefinition.DirectMode.allCases.first { self.macvlanMode($0) == macvlanMode }
    }

    /// Equivalent to: `ip link add link LOWER name NAME [address MAC] type macvtap mode MODE`
    /// (attributes in iproute2's order: address, link, name, linkinfo). The kernel makes
    /// /dev/tapIFINDEX for it, which QEMU opens as `-netdev tap,fd=N`.
    public static func createMacvtap(name: String, lowerIndex: Int32, mode: NetworkPortDefinition.DirectMode,
                                     mac: MACAddress? = nil) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        if let mac { b.append(NetlinkConstants.IFLA_ADDRESS, bytes: mac.bytes) }
        b.append(NetlinkConstants.IFLA_LINK, int32: lowerIndex)
        b.append(NetlinkConstants.IFLA_IFNAME, string: name)
        b.nest(NetlinkConstants.IFLA_LINKINFO) { info in
            info.append(NetlinkConstants.IFLA_INFO_KIND, unterminatedString: "macvtap")
            info.nest(NetlinkConstants.IFLA_INFO_DATA) { data in
                data.append(NetlinkConstants.IFLA_MACVLAN_MODE, uint32: macvlanMode(mode))
            }
        }
        let flags = NetlinkConstants.NLM_F_REQUEST | NetlinkConstants.NLM_F_ACK | NetlinkConstants.NLM_F_CREATE | NetlinkConstants.NLM_F_EXCL
        return NetlinkMessage(type: NetlinkConstants.RTM_NEWLINK, flags: flags, payload: IfInfoMessage().bytes + b.bytes)
    }
}
