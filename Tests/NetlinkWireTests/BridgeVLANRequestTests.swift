import NetlinkWire
import PatchbayModel
import Testing

/// Byte-exact bridge VLAN requests, against what iproute2 sent (captured with
/// `strace -f -e trace=sendmsg -xx`; the port v0 had index 3, the bridge br9 index 2). This kernel
/// refuses them all (EOPNOTSUPP: no CONFIG_BRIDGE_VLAN_FILTERING), which is how Patchbay detects it.
@Suite struct BridgeVLANRequestTests {
    @Test func addMatchesBridgeVlanAddPVIDUntagged() {
        // bridge vlan add dev v0 vid 10 pvid untagged master
        let expected: [UInt8] = [
            0x34, 0x00, 0x00, 0x00,  // nlmsg_len = 52
            0x13, 0x00,  // RTM_SETLINK
            0x05, 0x00,  // REQUEST|ACK
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
            0x07, 0x00, 0x00, 0x00,  // ifi_family AF_BRIDGE, pad, ifi_type 0
            0x03, 0x00, 0x00, 0x00,  // ifi_index 3 (v0)
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // flags, change
            0x14, 0x00, 0x1a, 0x00,  // IFLA_AF_SPEC, 20 bytes
            0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,  // IFLA_BRIDGE_FLAGS BRIDGE_FLAGS_MASTER + pad
            0x08, 0x00, 0x02, 0x00, 0x06, 0x00, 0x0a, 0x00,  // IFLA_BRIDGE_VLAN_INFO flags PVID|UNTAGGED, vid 10
        ]
        #expect(BridgeVLANRequest.add(portIndex: 3, [BridgeVLANEntry(id: 10, pvid: true, untagged: true)]).encoded() == expected)
    }

    @Test func deleteMatchesBridgeVlanDel() {
        // bridge vlan del dev v0 vid 10 master: RTM_DELLINK, the same body with flags 0
        let bytes = BridgeVLANRequest.delete(portIndex: 3, ids: [10]).encoded()
        #expect(bytes.count == 52)
        #expect(Array(bytes[4..<8]) == [0x11, 0x00, 0x05, 0x00])  // RTM_DELLINK, REQUEST|ACK
        #expect(Array(bytes[44...]) == [0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0a, 0x00])
    }

    @Test func severalEntriesGoInOneMessage() {
        let bytes = BridgeVLANRequest.add(portIndex: 3, [BridgeVLANEntry(id: 20), BridgeVLANEntry(id: 21, pvid: true)]).encoded()
        #expect(bytes.count == 60)
        #expect(Array(bytes[32..<36]) == [0x1c, 0x00, 0x1a, 0x00])  // IFLA_AF_SPEC, 28 bytes
        #expect(Array(bytes[44...]) == [0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x14, 0x00,
                                        0x08, 0x00, 0x02, 0x00, 0x02, 0x00, 0x15, 0x00])
    }

    @Test func vlanFilteringMatchesIPLinkSetTypeBridge() {
        // ip link set dev br9 type bridge vlan_filtering 1
        let expected: [UInt8] = [
            0x3c, 0x00, 0x00, 0x00,  // nlmsg_len = 60
            0x10, 0x00,  // RTM_NEWLINK
            0x05, 0x00,  // REQUEST|ACK
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
            0x00, 0x00, 0x00, 0x00,  // AF_UNSPEC
            0x02, 0x00, 0x00, 0x00,  // ifi_index 2 (br9)
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // flags, change
            0x1c, 0x00, 0x12, 0x00,  // IFLA_LINKINFO, 28 bytes
            0x0a, 0x00, 0x01, 0x00, 0x62, 0x72, 0x69, 0x64, 0x67, 0x65, 0x00, 0x00,  // IFLA_INFO_KIND "bridge"
            0x0c, 0x00, 0x02, 0x00,  // IFLA_INFO_DATA, 12 bytes
            0x05, 0x00, 0x07, 0x00, 0x01, 0x00, 0x00, 0x00,  // IFLA_BR_VLAN_FILTERING 1 + pad
        ]
        #expect(BridgeVLANRequest.setVLANFiltering(bridgeIndex: 2, true).encoded() == expected)
    }

    @Test func libvirtVLANsBecomePortEntries() {
        #expect(BridgeVLANEntry.entries(for: VLANDefinition(trunk: false, tags: [VLANTag(id: 42)]))
                == [BridgeVLANEntry(id: 42, pvid: true, untagged: true)])
        #expect(BridgeVLANEntry.entries(for: VLANDefinition(trunk: true, tags: [VLANTag(id: 42)])) == [BridgeVLANEntry(id: 42)])
        #expect(BridgeVLANEntry.entries(for: VLANDefinition(trunk: true, tags: [VLANTag(id: 42, nativeMode: .untagged), VLANTag(id: 47)]))
                == [BridgeVLANEntry(id: 42, pvid: true, untagged: true), BridgeVLANEntry(id: 47)])
        #expect(BridgeVLANEntry.entries(for: VLANDefinition(trunk: false, tags: [VLANTag(id: 42, nativeMode: .tagged), VLANTag(id: 47)]))
                == [BridgeVLANEntry(id: 42, pvid: true), BridgeVLANEntry(id: 47)])
        #expect(BridgeVLANEntry.entries(for: VLANDefinition(trunk: false, tags: [])).isEmpty)
    }
}
