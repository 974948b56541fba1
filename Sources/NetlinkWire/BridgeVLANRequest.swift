import PatchbayModel

/// Builders for the Linux bridge's VLAN filtering (`bridge vlan`, `ip link ... vlan_filtering`).
/// Layout and flags as iproute2 sends them (checked with `strace -e sendmsg -xx bridge vlan ...`).
public enum BridgeVLANRequest {
    private typealias C = NetlinkConstants

    /// Equivalent to: `bridge vlan add dev PORT vid ID [pvid] [untagged] master`, one
    /// IFLA_BRIDGE_VLAN_INFO per entry, in one message.
    public static func add(portIndex: Int32, _ entries: [BridgeVLANEntry]) -> NetlinkMessage {
        message(C.RTM_SETLINK, portIndex: portIndex, entries)
    }

    /// Equivalent to: `bridge vlan del dev PORT vid ID master`.
    public static func delete(portIndex: Int32, ids: [UInt16]) -> NetlinkMessage {
        message(C.RTM_DELLINK, portIndex: portIndex, ids.map { BridgeVLANEntry(id: $0) })
    }

    /// Equivalent to: `ip link set dev BRIDGE type bridge vlan_filtering 0|1`. A kernel built
    /// without CONFIG_BRIDGE_VLAN_FILTERING answers EOPNOTSUPP.
    public static func setVLANFiltering(bridgeIndex: Int32, _ on: Bool) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_LINKINFO) { info in
            info.append(C.IFLA_INFO_KIND, unterminatedString: "bridge")
            info.nest(C.IFLA_INFO_DATA) { data in data.append(C.IFLA_BR_VLAN_FILTERING, uint8: on ? 1 : 0) }
        }
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: C.NLM_F_REQUEST | C.NLM_F_ACK, payload: IfInfoMessage(index: bridgeIndex).bytes + b.bytes)
    }

    /// struct bridge_vlan_info { __u16 flags; __u16 vid; } (<linux/if_bridge.h>), host order.
    static func info(_ entry: BridgeVLANEntry) -> [UInt8] {
        var flags: UInt16 = 0
        if entry.pvid { flags |= C.BRIDGE_VLAN_INFO_PVID }
        if entry.untagged { flags |= C.BRIDGE_VLAN_INFO_UNTAGGED }
        return withUnsafeBytes(of: flags) { Array($0) } + withUnsafeBytes(of: entry.id) { Array($0) }
    }

    private static func message(_ type: UInt16, portIndex: Int32, _ entries: [BridgeVLANEntry]) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_AF_SPEC) { spec in
            spec.append(C.IFLA_BRIDGE_FLAGS, uint16: C.BRIDGE_FLAGS_MASTER)
            for entry in entries { spec.append(C.IFLA_BRIDGE_VLAN_INFO, bytes: info(entry)) }
        }
        return NetlinkMessage(type: type, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                              payload: IfInfoMessage(family: C.AF_BRIDGE, index: portIndex).bytes + b.bytes)
    }
}
