import PatchbayModel

/// One SR-IOV virtual function as a PF's RTM_NEWLINK describes it: an IFLA_VF_INFO of the
/// IFLA_VFINFO_LIST that the kernel's rtnl_fill_vfinfo (net/core/rtnetlink.c) writes when the
/// request carried IFLA_EXT_MASK RTEXT_FILTER_VF. The `ip link show dev PF` view of `vf N ...`.
public struct VirtualFunctionInfo: Sendable, Hashable {
    public var vf: UInt32
    /// The administrative MAC the PF gives the VF (all zeros: the VF's driver picks one).
    public var mac: MACAddress?
    public var vlan: UInt16
    public var qos: UInt32
    /// ETH_P_8021Q or ETH_P_8021AD, from IFLA_VF_VLAN_LIST (802.1Q when only IFLA_VF_VLAN came).
    public var vlanProtocol: UInt16
    /// Mbit/s, 0 for no limit (IFLA_VF_RATE; `maxTxRate` falls back on the legacy IFLA_VF_TX_RATE).
    public var minTxRate: UInt32
    public var maxTxRate: UInt32
    /// nil when the driver does not say (the kernel reports -1).
    public var spoofCheck: Bool?
    public var trust: Bool?
    public var linkState: VirtualFunctionLinkState?

    public init(vf: UInt32, mac: MACAddress? = nil, vlan: UInt16 = 0, qos: UInt32 = 0,
                vlanProtocol: UInt16 = NetlinkConstants.ETH_P_8021Q, minTxRate: UInt32 = 0, maxTxRate: UInt32 = 0,
                spoofCheck: Bool? = nil, trust: Bool? = nil, linkState: VirtualFunctionLinkState? = nil) {
        self.vf = vf
        self.mac = mac
        self.vlan = vlan
        self.qos = qos
        self.vlanProtocol = vlanProtocol
        self.minTxRate = minTxRate
        self.maxTxRate = maxTxRate
        self.spoofCheck = spoofCheck
        self.trust = trust
        self.linkState = linkState
    }

    /// The VFs of a PF's RTM_NEWLINK, in the kernel's order (by VF number); empty when the
    /// message has no IFLA_VFINFO_LIST (a device without SR-IOV, or a request without
    /// RTEXT_FILTER_VF). Entries other than IFLA_VF_INFO are skipped, as libvirt's
    /// virNetDevParseVfInfo does; an IFLA_VF_INFO without IFLA_VF_MAC (which carries the VF's
    /// number in every struct) is refused, since nothing else in it says which VF it is.
    public static func parseList(_ message: NetlinkMessage) throws(NetlinkWireError) -> [VirtualFunctionInfo] {
        _ = try IfInfoMessage(parsing: message.payload)
        let base = NetlinkMessage.headerLength + IfInfoMessage.length
        let attributes = try NetlinkAttribute.parse(message.payload.dropFirst(IfInfoMessage.length), baseOffset: base)
        guard let list = attributes.first(NetlinkConstants.IFLA_VFINFO_LIST) else { return [] }
        var result: [VirtualFunctionInfo] = []
        for entry in try list.nested() where entry.type == NetlinkConstants.IFLA_VF_INFO {
            result.append(try VirtualFunctionInfo(entry.nested(), offset: base))
        }
        return result
    }

    /// IFLA_NUM_VF of a PF's RTM_NEWLINK: how many VFs are enabled (sriov_numvfs).
    public static func count(_ message: NetlinkMessage) throws(NetlinkWireError) -> UInt32? {
        _ = try IfInfoMessage(parsing: message.payload)
        let attributes = try NetlinkAttribute.parse(message.payload.dropFirst(IfInfoMessage.length),
                                                    baseOffset: NetlinkMessage.headerLength + IfInfoMessage.length)
        return attributes.first(NetlinkConstants.IFLA_NUM_VF)?.uint32
    }

    init(_ attributes: [NetlinkAttribute], offset: Int) throws(NetlinkWireError) {
        typealias C = NetlinkConstants
        // struct ifla_vf_mac { __u32 vf; __u8 mac[32]; }
        guard let macAttribute = attributes.first(C.IFLA_VF_MAC), macAttribute.payload.count >= 10 else {
            throw NetlinkWireError("IFLA_VF_INFO without a 36-byte IFLA_VF_MAC", offset: offset)
        }
        self.init(vf: macAttribute.payload.hostUInt32(at: 0))
        mac = MACAddress(bytes: Array(macAttribute.payload[4..<10]))
        // struct ifla_vf_vlan { __u32 vf, vlan, qos; }
        if let v = attributes.first(C.IFLA_VF_VLAN)?.payload, v.count >= 12 {
            vlan = UInt16(truncatingIfNeeded: v.hostUInt32(at: 4))
            qos = v.hostUInt32(at: 8)
        }
        // IFLA_VF_VLAN_LIST → IFLA_VF_VLAN_INFO { __u32 vf, vlan, qos; __be16 vlan_proto; }: the
        // kernel writes one (MAX_VLAN_LIST_LEN is 1), after IFLA_VF_VLAN.
        if let list = try attributes.first(C.IFLA_VF_VLAN_LIST)?.nested(),
           let v = list.first(C.IFLA_VF_VLAN_INFO)?.payload, v.count >= 14 {
            vlan = UInt16(truncatingIfNeeded: v.hostUInt32(at: 4))
            qos = v.hostUInt32(at: 8)
            vlanProtocol = UInt16(v[12]) << 8 | UInt16(v[13])
        }
        // struct ifla_vf_tx_rate { __u32 vf, rate; } (legacy), then ifla_vf_rate { vf, min, max }.
        if let v = attributes.first(C.IFLA_VF_TX_RATE)?.payload, v.count >= 8 { maxTxRate = v.hostUInt32(at: 4) }
        if let v = attributes.first(C.IFLA_VF_RATE)?.payload, v.count >= 12 {
            minTxRate = v.hostUInt32(at: 4)
            maxTxRate = v.hostUInt32(at: 8)
        }
        spoofCheck = Self.setting(attributes.first(C.IFLA_VF_SPOOFCHK))
        trust = Self.setting(attributes.first(C.IFLA_VF_TRUST))
        if let v = attributes.first(C.IFLA_VF_LINK_STATE)?.payload, v.count >= 8 {
            linkState = VirtualFunctionLinkState(rawValue: v.hostUInt32(at: 4))
        }
    }

    /// struct { __u32 vf; __u32 setting; }: rtnl_fill_vfinfo starts spoofchk and trust at -1 and
    /// leaves them there for drivers that do not report them.
    private static func setting(_ attribute: NetlinkAttribute?) -> Bool? {
        guard let p = attribute?.payload, p.count >= 8 else { return nil }
        let value = p.hostUInt32(at: 4)
        return value == UInt32.max ? nil : value != 0
    }
}
