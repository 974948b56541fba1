import NetlinkWire
import PatchbayModel
import Testing

/// Byte-exact VF requests against what iproute2 6.1 sent for the same `ip link set dev v0 vf N ...`
/// (v0 a veth with index 3 in a scratch namespace; the kernel refuses it with EOPNOTSUPP, after the
/// request is in the trace), captured with `strace -f -s 65536 -xx -e trace=sendmsg`. Only the
/// sequence number (stamped by the session; iproute2 uses the time) differs and is zero here.
@Suite struct VirtualFunctionRequestTests {
    /// The nlmsghdr and ifinfomsg every captured request starts with, for a length `length`.
    private func header(_ length: UInt8) -> [UInt8] {
        [length, 0x00, 0x00, 0x00,  // nlmsg_len
         0x10, 0x00,  // RTM_NEWLINK
         0x05, 0x00,  // NLM_F_REQUEST|NLM_F_ACK
         0x00, 0x00, 0x00, 0x00,  // nlmsg_seq (stamped by the session)
         0x00, 0x00, 0x00, 0x00,  // nlmsg_pid 0
         0x00, 0x00, 0x00, 0x00,  // ifi_family AF_UNSPEC, pad, ifi_type 0
         0x03, 0x00, 0x00, 0x00,  // ifi_index 3 (the PF)
         0x00, 0x00, 0x00, 0x00,  // ifi_flags
         0x00, 0x00, 0x00, 0x00]  // ifi_change
    }

    @Test func macMatchesIPLinkSetVFMac() {
        // ip link set dev v0 vf 0 mac 52:54:00:12:34:56
        let expected = header(80) + [
            0x30, 0x00, 0x16, 0x00,  // IFLA_VFINFO_LIST, 48 bytes (no NLA_F_NESTED, as iproute2)
            0x2c, 0x00, 0x01, 0x00,  // IFLA_VF_INFO, 44 bytes
            0x28, 0x00, 0x01, 0x00,  // IFLA_VF_MAC, 40 bytes: struct ifla_vf_mac
            0x00, 0x00, 0x00, 0x00,  // .vf 0
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56,  // .mac[0..5]
        ] + [UInt8](repeating: 0, count: 26)  // .mac[6..31]
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 0, [.mac(MACAddress("52:54:00:12:34:56")!)]).encoded() == expected)
    }

    @Test func zeroMACMatchesIPLinkSetVFMacZero() {
        // ip link set dev v0 vf 1 mac 00:00:00:00:00:00 (how a VF is given back)
        let expected = header(80) + [0x30, 0x00, 0x16, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x28, 0x00, 0x01, 0x00,
                                     0x01, 0x00, 0x00, 0x00]  // .vf 1
            + [UInt8](repeating: 0, count: 32)  // .mac all zero
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 1, [.mac(MACAddress(bytes: [0, 0, 0, 0, 0, 0])!)]).encoded() == expected)
    }

    @Test func vlanMatchesIPLinkSetVFVlan() {
        // ip link set dev v0 vf 2 vlan 100 qos 3 (and the same with `proto 802.1Q`): IFLA_VF_VLAN
        let expected = header(56) + [
            0x18, 0x00, 0x16, 0x00,  // IFLA_VFINFO_LIST, 24 bytes
            0x14, 0x00, 0x01, 0x00,  // IFLA_VF_INFO, 20 bytes
            0x10, 0x00, 0x02, 0x00,  // IFLA_VF_VLAN, 16 bytes: struct ifla_vf_vlan
            0x02, 0x00, 0x00, 0x00,  // .vf 2
            0x64, 0x00, 0x00, 0x00,  // .vlan 100
            0x03, 0x00, 0x00, 0x00,  // .qos 3
        ]
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 2, [.vlan(id: 100, qos: 3)]).encoded() == expected)
        // ip link set dev v0 vf 2 vlan 100: qos 0; `vlan 0` clears the tag the same way.
        var noQoS = expected
        noQoS[52] = 0
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 2, [.vlan(id: 100)]).encoded() == noQoS)
    }

    @Test func vlan8021adMatchesIPLinkSetVFVlanProto() {
        // ip link set dev v0 vf 2 vlan 100 proto 802.1ad: IFLA_VF_VLAN_LIST / IFLA_VF_VLAN_INFO
        let expected = header(64) + [
            0x20, 0x00, 0x16, 0x00,  // IFLA_VFINFO_LIST, 32 bytes
            0x1c, 0x00, 0x01, 0x00,  // IFLA_VF_INFO, 28 bytes
            0x18, 0x00, 0x0c, 0x00,  // IFLA_VF_VLAN_LIST, 24 bytes
            0x14, 0x00, 0x01, 0x00,  // IFLA_VF_VLAN_INFO, 20 bytes: struct ifla_vf_vlan_info
            0x02, 0x00, 0x00, 0x00,  // .vf 2
            0x64, 0x00, 0x00, 0x00,  // .vlan 100
            0x00, 0x00, 0x00, 0x00,  // .qos 0
            0x88, 0xa8, 0x00, 0x00,  // .vlan_proto ETH_P_8021AD (big-endian) + struct padding
        ]
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 2, [.vlan(id: 100, proto: NetlinkConstants.ETH_P_8021AD)]).encoded() == expected)
    }

    @Test func ratesMatchIPLinkSetVFRate() {
        // ip link set dev v0 vf 1 min_tx_rate 100 max_tx_rate 1000: IFLA_VF_RATE
        let rate = header(56) + [
            0x18, 0x00, 0x16, 0x00, 0x14, 0x00, 0x01, 0x00,  // IFLA_VFINFO_LIST, IFLA_VF_INFO
            0x10, 0x00, 0x06, 0x00,  // IFLA_VF_RATE, 16 bytes: struct ifla_vf_rate
            0x01, 0x00, 0x00, 0x00,  // .vf 1
            0x64, 0x00, 0x00, 0x00,  // .min_tx_rate 100 Mbit/s
            0xe8, 0x03, 0x00, 0x00,  // .max_tx_rate 1000 Mbit/s
        ]
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 1, [.rate(minMbps: 100, maxMbps: 1000)]).encoded() == rate)
        // ip link set dev v0 vf 1 rate 1000: the legacy IFLA_VF_TX_RATE
        let legacy = header(52) + [
            0x14, 0x00, 0x16, 0x00, 0x10, 0x00, 0x01, 0x00,  // IFLA_VFINFO_LIST, IFLA_VF_INFO
            0x0c, 0x00, 0x03, 0x00,  // IFLA_VF_TX_RATE, 12 bytes: struct ifla_vf_tx_rate
            0x01, 0x00, 0x00, 0x00,  // .vf 1
            0xe8, 0x03, 0x00, 0x00,  // .rate 1000 Mbit/s
        ]
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 1, [.legacyRate(mbps: 1000)]).encoded() == legacy)
    }

    @Test func spoofCheckTrustAndStateMatchIPLinkSetVF() {
        // ip link set dev v0 vf 1 spoofchk on|off, trust on|off, state auto: one 8-byte struct each
        func expected(_ type: UInt8, _ value: UInt8) -> [UInt8] {
            header(52) + [0x14, 0x00, 0x16, 0x00, 0x10, 0x00, 0x01, 0x00,  // IFLA_VFINFO_LIST, IFLA_VF_INFO
                          0x0c, 0x00, type, 0x00,  // the attribute, 12 bytes
                          0x01, 0x00, 0x00, 0x00,  // .vf 1
                          value, 0x00, 0x00, 0x00]  // .setting / .link_state
        }
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 1, [.spoofCheck(true)]).encoded() == expected(0x04, 1))  // IFLA_VF_SPOOFCHK
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 1, [.spoofCheck(false)]).encoded() == expected(0x04, 0))
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 1, [.trust(true)]).encoded() == expected(0x09, 1))  // IFLA_VF_TRUST
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 1, [.trust(false)]).encoded() == expected(0x09, 0))
        #expect(LinkRequest.setVirtualFunction(pfIndex: 3, vf: 1, [.linkState(.auto)]).encoded() == expected(0x05, 0))  // IFLA_VF_LINK_STATE
    }

    @Test func everythingInOneRequestMatchesIPLinkSetVF() {
        // ip link set dev v0 vf 3 mac 52:54:00:aa:bb:cc vlan 42 qos 2 min_tx_rate 10 max_tx_rate 100
        //     spoofchk on state auto trust off
        // iproute2 writes the rate last: it collects min/max and adds IFLA_VF_RATE after the loop.
        let expected = header(148) + [
            0x74, 0x00, 0x16, 0x00,  // IFLA_VFINFO_LIST, 116 bytes
            0x70, 0x00, 0x01, 0x00,  // IFLA_VF_INFO, 112 bytes
            0x28, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00,  // IFLA_VF_MAC, .vf 3
            0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc,  // .mac
        ] + [UInt8](repeating: 0, count: 26) + [
            0x10, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00,  // IFLA_VF_VLAN, .vf 3
            0x2a, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,  // .vlan 42, .qos 2
            0x0c, 0x00, 0x04, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,  // IFLA_VF_SPOOFCHK vf 3 on
            0x0c, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // IFLA_VF_LINK_STATE vf 3 auto
            0x0c, 0x00, 0x09, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // IFLA_VF_TRUST vf 3 off
            0x10, 0x00, 0x06, 0x00, 0x03, 0x00, 0x00, 0x00,  // IFLA_VF_RATE, .vf 3
            0x0a, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,  // .min_tx_rate 10, .max_tx_rate 100
        ]
        let message = LinkRequest.setVirtualFunction(pfIndex: 3, vf: 3, [
            .mac(MACAddress("52:54:00:aa:bb:cc")!), .vlan(id: 42, qos: 2), .spoofCheck(true), .linkState(.auto), .trust(false),
            .rate(minMbps: 10, maxMbps: 100),
        ])
        #expect(message.encoded() == expected)
    }

    @Test func getWithVirtualFunctionsMatchesIPLinkShowDev() {
        // ip link show dev v0: the request that brings IFLA_VFINFO_LIST back
        let expected: [UInt8] = [
            0x30, 0x00, 0x00, 0x00,  // nlmsg_len 48
            0x12, 0x00,  // RTM_GETLINK
            0x01, 0x00,  // NLM_F_REQUEST
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
            0x11, 0x00, 0x00, 0x00,  // ifi_family AF_PACKET, pad, ifi_type
            0x00, 0x00, 0x00, 0x00,  // ifi_index 0 (by name)
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // flags, change
            0x07, 0x00, 0x03, 0x00, 0x76, 0x30, 0x00, 0x00,  // IFLA_IFNAME "v0\0" + pad
            0x08, 0x00, 0x1d, 0x00, 0x01, 0x00, 0x00, 0x00,  // IFLA_EXT_MASK RTEXT_FILTER_VF
        ]
        #expect(LinkRequest.getWithVirtualFunctions(name: "v0").encoded() == expected)
    }
}
