import PatchbayModel

/// Which VLAN table a `bridge vlan` command changes: the port's on its bridge (no flag, the
/// kernel's default, or `master`), or the device's own (`self`: the bridge device itself, or a
/// NIC whose driver filters VLANs).
public enum BridgeVLANTarget: Sendable, Hashable {
    /// No IFLA_BRIDGE_FLAGS at all, as `bridge vlan add dev PORT vid V` sends.
    case implicit
    /// IFLA_BRIDGE_FLAGS BRIDGE_FLAGS_MASTER (`master`).
    case master
    /// IFLA_BRIDGE_FLAGS BRIDGE_FLAGS_SELF (`self`).
    case selfDevice
}

/// Builders for the kernel's bridge VLAN filtering (<linux/if_bridge.h>, net/bridge/br_netlink.c).
/// Layout and flags follow iproute2 6.1's `bridge vlan` and `ip link ... type bridge`, checked
/// against `strace -e trace=sendmsg -xx`.
public enum BridgeVLANRequest {
    private typealias C = NetlinkConstants

    /// Equivalent to: `ip link set dev BR type bridge vlan_filtering 0|1`. A kernel built without
    /// CONFIG_BRIDGE_VLAN_FILTERING refuses it with EOPNOTSUPP whatever the value
    /// (br_vlan_filter_toggle's stub), which makes writing the current value a harmless probe.
    public static func setVLANFiltering(bridgeIndex: Int32, _ enabled: Bool) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_LINKINFO) { info in
            info.append(C.IFLA_INFO_KIND, unterminatedString: "bridge")
            info.nest(C.IFLA_INFO_DATA) { data in
                data.append(C.IFLA_BR_VLAN_FILTERING, uint8: enabled ? 1 : 0)
            }
        }
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                              payload: IfInfoMessage(index: bridgeIndex).bytes + b.bytes)
    }

    /// Equivalent to: `bridge vlan add dev PORT vid V[-W] [pvid] [untagged] [master|self]`: an
    /// RTM_SETLINK of family AF_BRIDGE on the port, IFLA_AF_SPEC holding IFLA_BRIDGE_FLAGS (only
    /// for an explicit `master` or `self`) and IFLA_BRIDGE_VLAN_INFO (struct bridge_vlan_info
    /// { __u16 flags; __u16 vid; }). A range is two entries, the first flagged
    /// BRIDGE_VLAN_INFO_RANGE_BEGIN and the last BRIDGE_VLAN_INFO_RANGE_END, both with the
    /// entry's other flags, as iproute2 writes them. Adding a VLAN the port has replaces its
    /// flags (the kernel's __vlan_add_flags), and only one VLAN per port holds the PVID.
    public static func add(portIndex: Int32, _ entry: BridgeVLANEntry, target: BridgeVLANTarget = .implicit) -> NetlinkMessage {
        message(C.RTM_SETLINK, portIndex: portIndex, entry, target: target)
    }

    /// Equivalent to: `bridge vlan del dev PORT vid V[-W] [master|self]` (RTM_DELLINK with the same
    /// IFLA_AF_SPEC as `add`; the kernel ignores the PVID and untagged flags of a deletion).
    public static func delete(portIndex: Int32, vid: UInt16, through lastVID: UInt16? = nil,
                              target: BridgeVLANTarget = .implicit) -> NetlinkMessage {
        message(C.RTM_DELLINK, portIndex: portIndex, BridgeVLANEntry(vid: vid, through: lastVID), target: target)
    }

    private static func message(_ type: UInt16, portIndex: Int32, _ entry: BridgeVLANEntry, target: BridgeVLANTarget) -> NetlinkMessage {
        var flags: UInt16 = 0
        if entry.pvid { flags |= C.BRIDGE_VLAN_INFO_PVID }
        if entry.untagged { flags |= C.BRIDGE_VLAN_INFO_UNTAGGED }
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_AF_SPEC) { spec in
            switch target {
            case .implicit: break
            case .master: spec.append(C.IFLA_BRIDGE_FLAGS, uint16: C.BRIDGE_FLAGS_MASTER)
            case .selfDevice: spec.append(C.IFLA_BRIDGE_FLAGS, uint16: C.BRIDGE_FLAGS_SELF)
            }
            if let last = entry.lastVID, last != entry.vid {
                spec.append(C.IFLA_BRIDGE_VLAN_INFO, bytes: vlanInfo(flags | C.BRIDGE_VLAN_INFO_RANGE_BEGIN, entry.vid))
                spec.append(C.IFLA_BRIDGE_VLAN_INFO, bytes: vlanInfo(flags | C.BRIDGE_VLAN_INFO_RANGE_END, last))
            } else {
                spec.append(C.IFLA_BRIDGE_VLAN_INFO, bytes: vlanInfo(flags, entry.vid))
            }
        }
        return NetlinkMessage(type: type, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                              payload: IfInfoMessage(family: C.AF_BRIDGE, index: portIndex).bytes + b.bytes)
    }

    private static func vlanInfo(_ flags: UInt16, _ vid: UInt16) -> [UInt8] {
        withUnsafeBytes(of: flags) { Array($0) } + withUnsafeBytes(of: vid) { Array($0) }
    }
}
