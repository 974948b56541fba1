import PatchbayModel

/// One setting of an SR-IOV virtual function, as `ip link set dev PF vf N ...` takes it. Each is
/// one struct inside IFLA_VF_INFO (<linux/if_link.h>: struct ifla_vf_mac, ifla_vf_vlan,
/// ifla_vf_vlan_info, ifla_vf_rate, ifla_vf_tx_rate, ifla_vf_spoofchk, ifla_vf_trust,
/// ifla_vf_link_state), each starting with the VF's number.
public enum VirtualFunctionSetting: Sendable, Hashable {
    /// `mac M`: the VF's administrative MAC (all zeros lets the guest choose its own).
    case mac(MACAddress)
    /// `vlan V [qos Q] [proto P]`: the tag the PF's switch adds and strips (0: none).
    case vlan(id: UInt16, qos: UInt8 = 0, proto: UInt16 = NetlinkConstants.ETH_P_8021Q)
    /// `min_tx_rate A max_tx_rate B`, in Mbit/s (0: no limit).
    case rate(minMbps: UInt32, maxMbps: UInt32)
    /// `rate R`, the legacy form (IFLA_VF_TX_RATE): the maximum only, in Mbit/s.
    case legacyRate(mbps: UInt32)
    /// `spoofchk on|off`: the PF drops frames whose source MAC is not the VF's.
    case spoofCheck(Bool)
    /// `trust on|off`: the VF may change its MAC and enter promiscuous or all-multicast mode.
    case trust(Bool)
    /// `state auto|enable|disable`: IFLA_VF_LINK_STATE_*.
    case linkState(VirtualFunctionLinkState)
}

/// struct ifla_vf_link_state's values (IFLA_VF_LINK_STATE_AUTO/ENABLE/DISABLE).
public enum VirtualFunctionLinkState: UInt32, Sendable, Hashable, Codable {
    case auto = 0, enable = 1, disable = 2
}

extension LinkRequest {
    /// Equivalent to: `ip link set dev PF vf N SETTING...` (for example `vf 3 mac 52:54:00:aa:bb:cc
    /// vlan 42 qos 2 min_tx_rate 10 max_tx_rate 100 spoofchk on state auto trust off`): an
    /// RTM_NEWLINK on the PF's index holding IFLA_VFINFO_LIST → IFLA_VF_INFO → one struct per
    /// setting, in the order given, as iproute2 writes them in the order of its command line
    /// (iplink_parse_vf). Neither nest carries NLA_F_NESTED, as in iproute2's request; the kernel's
    /// do_setvfinfo reads them either way.
    ///
    /// A VLAN with protocol 802.1Q goes as IFLA_VF_VLAN (struct ifla_vf_vlan), any other (802.1ad)
    /// as IFLA_VF_VLAN_LIST → IFLA_VF_VLAN_INFO (struct ifla_vf_vlan_info with the protocol in
    /// network byte order), exactly as iproute2 6.1 chooses.
    public static func setVirtualFunction(pfIndex: Int32, vf: UInt32, _ settings: [VirtualFunctionSetting]) -> NetlinkMessage {
        typealias C = NetlinkConstants
        var b = NetlinkAttributeBuilder()
        b.nest(C.IFLA_VFINFO_LIST) { list in
            list.nest(C.IFLA_VF_INFO) { info in
                for setting in settings { appendSetting(setting, vf: vf, into: &info) }
            }
        }
        return NetlinkMessage(type: C.RTM_NEWLINK, flags: C.NLM_F_REQUEST | C.NLM_F_ACK,
                              payload: IfInfoMessage(index: pfIndex).bytes + b.bytes)
    }

    private static func appendSetting(_ setting: VirtualFunctionSetting, vf: UInt32, into b: inout NetlinkAttributeBuilder) {
        typealias C = NetlinkConstants
        switch setting {
        case .mac(let mac):
            // struct ifla_vf_mac { __u32 vf; __u8 mac[32]; }: MAX_ADDR_LEN bytes, zero-filled.
            b.append(C.IFLA_VF_MAC, bytes: words([vf]) + mac.bytes + [UInt8](repeating: 0, count: 32 - mac.bytes.count))
        case .vlan(let id, let qos, let proto) where proto == C.ETH_P_8021Q:
            b.append(C.IFLA_VF_VLAN, bytes: words([vf, UInt32(id), UInt32(qos)]))
        case .vlan(let id, let qos, let proto):
            // struct ifla_vf_vlan_info { __u32 vf, vlan, qos; __be16 vlan_proto; } (16 bytes with padding).
            b.nest(C.IFLA_VF_VLAN_LIST) { list in
                list.append(C.IFLA_VF_VLAN_INFO, bytes: words([vf, UInt32(id), UInt32(qos)]) + [UInt8(proto >> 8), UInt8(proto & 0xff), 0, 0])
            }
        case .rate(let minimum, let maximum):
            b.append(C.IFLA_VF_RATE, bytes: words([vf, minimum, maximum]))
        case .legacyRate(let rate):
            b.append(C.IFLA_VF_TX_RATE, bytes: words([vf, rate]))
        case .spoofCheck(let on):
            b.append(C.IFLA_VF_SPOOFCHK, bytes: words([vf, on ? 1 : 0]))
        case .trust(let on):
            b.append(C.IFLA_VF_TRUST, bytes: words([vf, on ? 1 : 0]))
        case .linkState(let state):
            b.append(C.IFLA_VF_LINK_STATE, bytes: words([vf, state.rawValue]))
        }
    }

    /// Equivalent to: `ip link show dev PF`, which asks for the VFs with IFLA_EXT_MASK
    /// RTEXT_FILTER_VF (the kernel leaves IFLA_VFINFO_LIST out otherwise) in an ifinfomsg of family
    /// AF_PACKET, as iproute2 6.1 sends it.
    public static func getWithVirtualFunctions(name: String) -> NetlinkMessage {
        typealias C = NetlinkConstants
        var b = NetlinkAttributeBuilder()
        b.append(C.IFLA_IFNAME, string: name)
        b.append(C.IFLA_EXT_MASK, uint32: C.RTEXT_FILTER_VF)
        return NetlinkMessage(type: C.RTM_GETLINK, flags: C.NLM_F_REQUEST, payload: IfInfoMessage(family: C.AF_PACKET).bytes + b.bytes)
    }

    /// u32 fields in host order, as the kernel's structs hold them.
    private static func words(_ values: [UInt32]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value) { Array($0) } }
    }
}
