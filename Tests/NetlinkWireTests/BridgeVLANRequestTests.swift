import NetlinkWire
import Testing

/// Byte-exact bridge VLAN requests against what iproute2 6.1 sent (`strace -f -s 65536 -xx -e
/// trace=sendmsg`) in a scratch namespace whose bridge br0 (index 4) has the port v0 (index 3).
/// The kernel there has no CONFIG_BRIDGE_VLAN_FILTERING and refused each with EOPNOTSUPP after
/// the request was in the trace. Only the sequence number differs and is zero here.
@Suite struct BridgeVLANRequestTests {
    private func header(_ length: UInt8, type: UInt8, index: UInt8 = 3) -> [UInt8] {
        [length, 0x00, 0x00, 0x00,  // nlmsg_len
         type, 0x00,  // RTM_SETLINK (0x13) or RTM_DELLINK (0x11)
         0x05, 0x00,  // NLM_F_REQUEST|NLM_F_ACK
         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq (stamped by the session), pid
         0x07, 0x00, 0x00, 0x00,  // ifi_family AF_BRIDGE, pad, ifi_type
         index, 0x00, 0x00, 0x00,  // ifi_index: the port
         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]  // flags, change
    }

    @Test func vlanFilteringMatchesIPLinkSetTypeBridge() {
        // ip link set dev br0 type bridge vlan_filtering 1
        let expected: [UInt8] = [
            0x3c, 0x00, 0x00, 0x00,  // nlmsg_len 60
            0x10, 0x00, 0x05, 0x00,  // RTM_NEWLINK, REQUEST|ACK
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
            0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,  // AF_UNSPEC; ifi_index 4 (br0)
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // flags, change
            0x1c, 0x00, 0x12, 0x00,  // IFLA_LINKINFO, 28 bytes
            0x0a, 0x00, 0x01, 0x00, 0x62, 0x72, 0x69, 0x64, 0x67, 0x65, 0x00, 0x00,  // IFLA_INFO_KIND "bridge" + pad
            0x0c, 0x00, 0x02, 0x00,  // IFLA_INFO_DATA, 12 bytes
            0x05, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00, 0x00,  // IFLA_BR_VLAN_FILTERING 1 (u8) + pad
        ]
        #expect(BridgeVLANRequest.setVLANFiltering(bridgeIndex: 4, true).encoded() == expected)
        var off = expected
        off[56] = 0  // ip link set dev br0 type bridge vlan_filtering 0
        #expect(BridgeVLANRequest.setVLANFiltering(bridgeIndex: 4, false).encoded() == off)
    }

    @Test func addMatchesBridgeVlanAdd() {
        func single(_ flags: UInt8) -> [UInt8] {
            header(44, type: 0x13) + [
                0x0c, 0x00, 0x1a, 0x00,  // IFLA_AF_SPEC, 12 bytes
                0x08, 0x00, 0x02, 0x00,  // IFLA_BRIDGE_VLAN_INFO: struct bridge_vlan_info
                flags, 0x00,  // .flags
                0x0a, 0x00,  // .vid 10
            ]
        }
        // bridge vlan add dev v0 vid 10
        #expect(BridgeVLANRequest.add(portIndex: 3, BridgeVLANEntry(vid: 10)).encoded() == single(0x00))
        // bridge vlan add dev v0 vid 10 pvid: BRIDGE_VLAN_INFO_PVID
        #expect(BridgeVLANRequest.add(portIndex: 3, BridgeVLANEntry(vid: 10, pvid: true)).encoded() == single(0x02))
        // bridge vlan add dev v0 vid 10 untagged: BRIDGE_VLAN_INFO_UNTAGGED
        #expect(BridgeVLANRequest.add(portIndex: 3, BridgeVLANEntry(vid: 10, untagged: true)).encoded() == single(0x04))
        // bridge vlan add dev v0 vid 10 pvid untagged
        #expect(BridgeVLANRequest.add(portIndex: 3, BridgeVLANEntry(vid: 10, pvid: true, untagged: true)).encoded() == single(0x06))
    }

    @Test func masterAndSelfMatchBridgeVlanAdd() {
        // bridge vlan add dev v0 vid 10 pvid untagged master
        let master = header(52, type: 0x13) + [
            0x14, 0x00, 0x1a, 0x00,  // IFLA_AF_SPEC, 20 bytes
            0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,  // IFLA_BRIDGE_FLAGS BRIDGE_FLAGS_MASTER (u16) + pad
            0x08, 0x00, 0x02, 0x00, 0x06, 0x00, 0x0a, 0x00,  // IFLA_BRIDGE_VLAN_INFO PVID|UNTAGGED, vid 10
        ]
        #expect(BridgeVLANRequest.add(portIndex: 3, BridgeVLANEntry(vid: 10, pvid: true, untagged: true), target: .master).encoded() == master)
        // bridge vlan add dev br0 vid 10 self (the bridge device's own table)
        let own = header(52, type: 0x13, index: 4) + [
            0x14, 0x00, 0x1a, 0x00,  // IFLA_AF_SPEC
            0x06, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,  // IFLA_BRIDGE_FLAGS BRIDGE_FLAGS_SELF
            0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00,  // IFLA_BRIDGE_VLAN_INFO flags 0, vid 10
        ]
        #expect(BridgeVLANRequest.add(portIndex: 4, BridgeVLANEntry(vid: 10), target: .selfDevice).encoded() == own)
    }

    @Test func rangesMatchBridgeVlanAddRange() {
        // bridge vlan add dev v0 vid 10-20
        let range = header(52, type: 0x13) + [
            0x14, 0x00, 0x1a, 0x00,  // IFLA_AF_SPEC, 20 bytes
            0x08, 0x00, 0x02, 0x00, 0x08, 0x00, 0x0a, 0x00,  // IFLA_BRIDGE_VLAN_INFO RANGE_BEGIN, vid 10
            0x08, 0x00, 0x02, 0x00, 0x10, 0x00, 0x14, 0x00,  // IFLA_BRIDGE_VLAN_INFO RANGE_END, vid 20
        ]
        #expect(BridgeVLANRequest.add(portIndex: 3, BridgeVLANEntry(vid: 10, through: 20)).encoded() == range)
        // bridge vlan add dev v0 vid 10-20 untagged: the flags ride on both ends
        var untagged = range
        untagged[40] = 0x0c  // UNTAGGED|RANGE_BEGIN
        untagged[48] = 0x14  // UNTAGGED|RANGE_END
        #expect(BridgeVLANRequest.add(portIndex: 3, BridgeVLANEntry(vid: 10, through: 20, untagged: true)).encoded() == untagged)
    }

    @Test func deleteMatchesBridgeVlanDel() {
        // bridge vlan del dev v0 vid 10
        let one = header(44, type: 0x11) + [0x0c, 0x00, 0x1a, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00]
        #expect(BridgeVLANRequest.delete(portIndex: 3, vid: 10).encoded() == one)
        // bridge vlan del dev v0 vid 1 (the default PVID every port gets)
        var defaultPVID = one
        defaultPVID[42] = 0x01
        #expect(BridgeVLANRequest.delete(portIndex: 3, vid: 1).encoded() == defaultPVID)
        // bridge vlan del dev v0 vid 10-20
        let range = header(52, type: 0x11) + [0x14, 0x00, 0x1a, 0x00,
                                              0x08, 0x00, 0x02, 0x00, 0x08, 0x00, 0x0a, 0x00,  // RANGE_BEGIN 10
                                              0x08, 0x00, 0x02, 0x00, 0x10, 0x00, 0x14, 0x00]  // RANGE_END 20
        #expect(BridgeVLANRequest.delete(portIndex: 3, vid: 10, through: 20).encoded() == range)
    }
}
