import NetlinkWire
import PatchbayModel
import Testing

/// Byte-exact macvtap creation, against what iproute2 sent for
/// `ip link add link v0 name mvbridge address 52:54:00:aa:bb:cc type macvtap mode bridge`
/// (v0 had index 3), captured with `strace -f -e trace=sendmsg -xx`.
@Suite struct MacvtapRequestTests {
    @Test func createMacvtapMatchesIPLinkAddTypeMacvtap() {
        let message = LinkRequest.createMacvtap(name: "mvbridge", lowerIndex: 3, mode: .bridge, mac: MACAddress("52:54:00:aa:bb:cc")!)
        let expected: [UInt8] = [
            0x60, 0x00, 0x00, 0x00,  // nlmsg_len = 96
            0x10, 0x00,  // RTM_NEWLINK
            0x05, 0x06,  // REQUEST|ACK|EXCL|CREATE
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq (stamped by the session), pid
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // ifinfomsg: family, pad, type, index 0
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // flags, change
            0x0a, 0x00, 0x01, 0x00, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc, 0x00, 0x00,  // IFLA_ADDRESS + pad
            0x08, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00,  // IFLA_LINK 3
            0x0d, 0x00, 0x03, 0x00, 0x6d, 0x76, 0x62, 0x72, 0x69, 0x64, 0x67, 0x65, 0x00, 0x00, 0x00, 0x00,  // IFLA_IFNAME "mvbridge\0" + pad
            0x1c, 0x00, 0x12, 0x00,  // IFLA_LINKINFO, 28 bytes
            0x0b, 0x00, 0x01, 0x00, 0x6d, 0x61, 0x63, 0x76, 0x74, 0x61, 0x70, 0x00,  // IFLA_INFO_KIND "macvtap" + pad
            0x0c, 0x00, 0x02, 0x00,  // IFLA_INFO_DATA, 12 bytes
            0x08, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00,  // IFLA_MACVLAN_MODE MACVLAN_MODE_BRIDGE
        ]
        #expect(message.encoded() == expected)
    }

    /// The mode word iproute2 sent for `mode private|vepa|passthru` (the rest of each request as above).
    @Test func modesAreTheKernelsMacvlanModes() {
        let modes: [(NetworkPortDefinition.DirectMode, UInt8)] = [(.private, 1), (.vepa, 2), (.bridge, 4), (.passthrough, 8)]
        for (mode, word) in modes {
            let bytes = LinkRequest.createMacvtap(name: "mv", lowerIndex: 3, mode: mode).encoded()
            #expect(Array(bytes.suffix(8)) == [0x08, 0x00, 0x01, 0x00, word, 0x00, 0x00, 0x00])
            #expect(LinkRequest.directMode(macvlanMode: UInt32(word)) == mode)
        }
        #expect(LinkRequest.directMode(macvlanMode: 16) == nil)  // MACVLAN_MODE_SOURCE: no libvirt name
    }
}
