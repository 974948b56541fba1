import NetlinkWire
import PatchbayModel
import Testing

@Suite struct NeighborRequestTests {
    @Test func fdbGetMatchesBridgeFdbGet() {
        // strace of `bridge fdb get 52:54:00:77:00:01 br pblab0` (bridge index 2), iproute2 6.1.
        let message = NeighborRequest.fdbGet(MACAddress("52:54:00:77:00:01")!, bridgeIndex: 2)
        let expected: [UInt8] = [
            0x30, 0x00, 0x00, 0x00,  // nlmsg_len 48
            0x1e, 0x00,  // RTM_GETNEIGH
            0x01, 0x00,  // NLM_F_REQUEST
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
            0x07, 0x00, 0x00, 0x00,  // ndm_family AF_BRIDGE, pads
            0x00, 0x00, 0x00, 0x00,  // ndm_ifindex 0
            0x00, 0x00, 0x00, 0x00,  // ndm_state, ndm_flags, ndm_type
            0x0a, 0x00, 0x02, 0x00, 0x52, 0x54, 0x00, 0x77, 0x00, 0x01, 0x00, 0x00,  // NDA_LLADDR
            0x08, 0x00, 0x09, 0x00, 0x02, 0x00, 0x00, 0x00,  // NDA_MASTER 2
        ]
        #expect(message.encoded() == expected)
    }

    @Test func replyGivesThePort() {
        let reply = NetlinkMessage(type: NetlinkConstants.RTM_NEWNEIGH, flags: 0,
                                   payload: [7, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0])
        #expect(NeighborRequest.interfaceIndex(inReply: reply) == 5)
        #expect(NeighborRequest.interfaceIndex(inReply: NetlinkMessage(type: 2, flags: 0, payload: [])) == nil)
    }
}

/// Inputs libFuzzer found (Fuzz/FuzzNetlinkWire).
@Suite struct NetlinkFuzzRegressionTests {
    /// An NLMSG_ERROR whose error field is Int32.min used to trap on negation.
    @Test func errorCodesThatAreNotErrnosAreRefused() throws {
        var payload: [UInt8] = [0x00, 0x00, 0x00, 0x80] + [UInt8](repeating: 0, count: 16)
        let message = NetlinkMessage(type: 2, flags: 0, payload: payload)
        #expect(throws: NetlinkWireError.self) { try NetlinkErrorMessage(message) }
        payload[0...3] = [0x01, 0x00, 0x00, 0x00]  // +1: positive, not an errno
        #expect(throws: NetlinkWireError.self) { try NetlinkErrorMessage(NetlinkMessage(type: 2, flags: 0, payload: payload)) }
        payload[0...3] = [0xfe, 0xff, 0xff, 0xff]  // -2: ENOENT
        #expect(try NetlinkErrorMessage(NetlinkMessage(type: 2, flags: 0, payload: payload)).errno == 2)
    }
}
