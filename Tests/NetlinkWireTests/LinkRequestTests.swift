import NetlinkWire
import PatchbayModel
import Testing

/// Byte-exact link requests. Each expectation was checked against the request iproute2 sends for
/// the same command (`strace -e sendmsg -xx ip ...`); comments name every field.
@Suite struct LinkRequestTests {
    @Test func createBridgeMatchesIPLinkAddTypeBridge() {
        // ip link add br0 type bridge forward_delay 0 stp_state 0
        let message = LinkRequest.createBridge(name: "br0", forwardDelayCentiseconds: 0, stp: false)
        let expected: [UInt8] = [
            0x4c, 0x00, 0x00, 0x00,  // nlmsg_len = 76
            0x10, 0x00,  // nlmsg_type = RTM_NEWLINK
            0x05, 0x06,  // nlmsg_flags = REQUEST|ACK|EXCL|CREATE
            0x00, 0x00, 0x00, 0x00,  // nlmsg_seq (stamped by the session)
            0x00, 0x00, 0x00, 0x00,  // nlmsg_pid = 0 (kernel)
            0x00, 0x00, 0x00, 0x00,  // ifi_family AF_UNSPEC, pad, ifi_type 0
            0x00, 0x00, 0x00, 0x00,  // ifi_index 0
            0x00, 0x00, 0x00, 0x00,  // ifi_flags
            0x00, 0x00, 0x00, 0x00,  // ifi_change
            0x08, 0x00, 0x03, 0x00, 0x62, 0x72, 0x30, 0x00,  // IFLA_IFNAME "br0\0"
            0x24, 0x00, 0x12, 0x00,  // IFLA_LINKINFO, 36 bytes
            0x0a, 0x00, 0x01, 0x00, 0x62, 0x72, 0x69, 0x64, 0x67, 0x65, 0x00, 0x00,  // IFLA_INFO_KIND "bridge" + pad
            0x14, 0x00, 0x02, 0x00,  // IFLA_INFO_DATA, 20 bytes
            0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,  // IFLA_BR_FORWARD_DELAY 0
            0x08, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,  // IFLA_BR_STP_STATE 0
        ]
        #expect(message.encoded() == expected)
    }

    @Test func createBridgeWithMACAndMTUAndSTP() {
        let mac = MACAddress("52:54:00:17:3f:37")!
        let bytes = LinkRequest.createBridge(name: "virbr2", mac: mac, mtu: 9000, forwardDelayCentiseconds: 200, stp: true).encoded()
        let attributes: [UInt8] = Array(bytes[32...])
        let expected: [UInt8] = [
            0x0b, 0x00, 0x03, 0x00, 0x76, 0x69, 0x72, 0x62, 0x72, 0x32, 0x00, 0x00,  // IFLA_IFNAME "virbr2\0" + pad
            0x0a, 0x00, 0x01, 0x00, 0x52, 0x54, 0x00, 0x17, 0x3f, 0x37, 0x00, 0x00,  // IFLA_ADDRESS + pad
            0x08, 0x00, 0x04, 0x00, 0x28, 0x23, 0x00, 0x00,  // IFLA_MTU 9000
            0x24, 0x00, 0x12, 0x00,  // IFLA_LINKINFO
            0x0a, 0x00, 0x01, 0x00, 0x62, 0x72, 0x69, 0x64, 0x67, 0x65, 0x00, 0x00,  // IFLA_INFO_KIND "bridge"
            0x14, 0x00, 0x02, 0x00,  // IFLA_INFO_DATA
            0x08, 0x00, 0x01, 0x00, 0xc8, 0x00, 0x00, 0x00,  // IFLA_BR_FORWARD_DELAY 200 cs
            0x08, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00,  // IFLA_BR_STP_STATE 1
        ]
        #expect(attributes == expected)
        #expect(bytes.count == 32 + expected.count)
        #expect(bytes[0] == UInt8(bytes.count))
    }

    @Test func setUpMatchesIPLinkSetUp() {
        // ip link set br0 up (br0 has index 2)
        let expected: [UInt8] = [
            0x20, 0x00, 0x00, 0x00,  // nlmsg_len = 32
            0x10, 0x00,  // RTM_NEWLINK
            0x05, 0x00,  // REQUEST|ACK
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
            0x00, 0x00, 0x00, 0x00,  // family, pad, type
            0x02, 0x00, 0x00, 0x00,  // ifi_index 2
            0x01, 0x00, 0x00, 0x00,  // ifi_flags IFF_UP
            0x01, 0x00, 0x00, 0x00,  // ifi_change IFF_UP
        ]
        #expect(LinkRequest.setUp(index: 2, true).encoded() == expected)
        var down = expected
        down[24] = 0
        #expect(LinkRequest.setUp(index: 2, false).encoded() == down)
    }

    @Test func setBridgePortStateMatchesBridgeLinkSet() {
        // bridge link set dev pa state 0 (pa has index 4)
        let expected: [UInt8] = [
            0x2c, 0x00, 0x00, 0x00, 0x13, 0x00, 0x05, 0x00,  // len 44, RTM_SETLINK, REQUEST|ACK
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
            0x07, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,  // family AF_BRIDGE, pad, type; index 4
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // flags, change
            0x0c, 0x00, 0x0c, 0x80,  // IFLA_PROTINFO | NLA_F_NESTED, 12 bytes
            0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,  // IFLA_BRPORT_STATE 0 (disabled) + pad
        ]
        #expect(LinkRequest.setBridgePortState(index: 4, state: 0).encoded() == expected)
        #expect(LinkRequest.setBridgePortState(index: 4, state: 3).encoded()[40] == 3)
    }

    @Test func deleteLink() {
        let expected: [UInt8] = [
            0x20, 0x00, 0x00, 0x00, 0x11, 0x00, 0x05, 0x00,  // len 32, RTM_DELLINK, REQUEST|ACK
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
            0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,  // family, pad, type; index 7
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // flags, change
        ]
        #expect(LinkRequest.delete(index: 7).encoded() == expected)
    }

    @Test func setMTUMasterAndAddress() {
        #expect(Array(LinkRequest.setMTU(index: 3, mtu: 1400).encoded()[32...]) == [0x08, 0x00, 0x04, 0x00, 0x78, 0x05, 0x00, 0x00])
        #expect(Array(LinkRequest.setMaster(index: 3, masterIndex: 2).encoded()[32...]) == [0x08, 0x00, 0x0a, 0x00, 0x02, 0x00, 0x00, 0x00])
        #expect(Array(LinkRequest.setMaster(index: 3, masterIndex: 0).encoded()[32...]) == [0x08, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00])
        let mac = MACAddress("02:00:00:00:00:01")!
        #expect(Array(LinkRequest.setAddress(index: 3, mac: mac).encoded()[32...])
                == [0x0a, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00])
    }

    @Test func createVethNestsThePeerBehindItsOwnIfinfomsg() throws {
        // ip link add v0 type veth peer name v1 netns NS (the namespace file open as fd 9)
        let bytes = LinkRequest.createVeth(name: "v0", peerName: "v1", peerNamespaceFD: 9).encoded()
        let expectedAttributes: [UInt8] = [
            0x07, 0x00, 0x03, 0x00, 0x76, 0x30, 0x00, 0x00,  // IFLA_IFNAME "v0\0" + pad
            0x34, 0x00, 0x12, 0x00,  // IFLA_LINKINFO, 52 bytes
            0x08, 0x00, 0x01, 0x00, 0x76, 0x65, 0x74, 0x68,  // IFLA_INFO_KIND "veth"
            0x28, 0x00, 0x02, 0x00,  // IFLA_INFO_DATA, 40 bytes
            0x24, 0x00, 0x01, 0x00,  // VETH_INFO_PEER, 36 bytes
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // peer ifinfomsg (family..index)
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // peer ifinfomsg (flags, change)
            0x08, 0x00, 0x1c, 0x00, 0x09, 0x00, 0x00, 0x00,  // IFLA_NET_NS_FD 9 (iproute2 writes it first)
            0x07, 0x00, 0x03, 0x00, 0x76, 0x31, 0x00, 0x00,  // IFLA_IFNAME "v1\0" + pad
        ]
        #expect(Array(bytes[32...]) == expectedAttributes)
        #expect(bytes.count == 32 + expectedAttributes.count)
    }

    @Test func getAndDumpRequests() {
        let get = LinkRequest.get(name: "br0")
        #expect(get.type == NetlinkConstants.RTM_GETLINK)
        #expect(get.flags == NetlinkConstants.NLM_F_REQUEST)
        #expect(Array(get.encoded()[32...]) == [0x08, 0x00, 0x03, 0x00, 0x62, 0x72, 0x30, 0x00])
        let dump = LinkRequest.dump().encoded()
        #expect(dump == [0x20, 0, 0, 0, 0x12, 0, 0x01, 0x03] + [UInt8](repeating: 0, count: 24))
    }
}
