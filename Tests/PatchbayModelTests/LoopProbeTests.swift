import PatchbayModel
import Testing

@Suite struct LoopProbeTests {
    let token: UInt64 = 0x0102_0304_0506_0708

    /// The daemon's rule in miniature: each bridge and port has a token of its own.
    func tokens(_ bridge: Int32, _ egress: Int32) -> UInt64 { token &+ UInt64(bridge) << 32 &+ UInt64(egress) }

    @Test func frameLayout() {
        let frame = LoopProbe(bridgeIndex: 7, egressIndex: 0x0102_0A0B, token: token).frame
        #expect(frame.count == 60)
        #expect(Array(frame[0..<6]) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])  // broadcast: any guest bridge floods it
        #expect(Array(frame[6..<12]) == [0x56, 0x50, 0x01, 0x02, 0x0A, 0x0B])  // 56:50 + egress index
        #expect(Array(frame[12..<14]) == [0x88, 0xB5])  // IEEE 802 local experimental ethertype 1
        #expect(Array(frame[14..<22]) == Array("PATCHBAY".utf8))
        #expect(frame[22] == 1)  // version
        #expect(Array(frame[23..<27]) == [0, 0, 0, 7])  // bridge index
        #expect(Array(frame[27..<31]) == [0x01, 0x02, 0x0A, 0x0B])  // egress index
        #expect(Array(frame[31..<39]) == [1, 2, 3, 4, 5, 6, 7, 8])  // token
        #expect(frame[39...].allSatisfy { $0 == 0 })
    }

    @Test func sourceAddressIsLocallyAdministeredUnicast() {
        let mac = LoopProbe.sourceMAC(egressIndex: 42)
        #expect(mac.bytes[0] & 0x01 == 0)
        #expect(mac.bytes[0] & 0x02 == 0x02)
        #expect(mac.description == "56:50:00:00:00:2a")
        #expect(LoopProbe.sourceMAC(egressIndex: 42) != LoopProbe.sourceMAC(egressIndex: 43))
    }

    @Test func roundTrip() {
        let probe = LoopProbe(bridgeIndex: 3, egressIndex: 12, token: tokens(3, 12))
        #expect(LoopProbe(frame: probe.frame, token: tokens) == probe)
        // A trailer (some drivers pad) changes nothing.
        #expect(LoopProbe(frame: probe.frame + [0, 0, 0, 0], token: tokens) == probe)
    }

    @Test func foreignOrDamagedFramesAreNotProbes() {
        let frame = LoopProbe(bridgeIndex: 3, egressIndex: 12, token: tokens(3, 12)).frame
        #expect(LoopProbe(frame: frame, token: { _, _ in 1 }) == nil)  // another daemon's
        // A guest that saw its own port's probe rewrites it to claim another port: the token
        // no longer fits.
        var forged = frame
        forged[30] = 13
        forged[11] = 13
        #expect(LoopProbe(frame: forged, token: tokens) == nil)
        var otherType = frame
        otherType[13] = 0xB6
        #expect(LoopProbe(frame: otherType, token: tokens) == nil)
        var otherMagic = frame
        otherMagic[14] = UInt8(ascii: "X")
        #expect(LoopProbe(frame: otherMagic, token: tokens) == nil)
        var otherVersion = frame
        otherVersion[22] = 2
        #expect(LoopProbe(frame: otherVersion, token: tokens) == nil)
        // Found by FuzzLoopProbe: a probe is always broadcast; the same bytes sent to one address
        // are not a probe coming back.
        var unicast = frame
        unicast[1] = 0x28
        #expect(LoopProbe(frame: unicast, token: tokens) == nil)
        var spoofedSource = frame
        spoofedSource[11] = 13  // the source must match the egress port it claims
        #expect(LoopProbe(frame: spoofedSource, token: tokens) == nil)
        for length in [0, 13, 14, 38] {
            #expect(LoopProbe(frame: Array(frame.prefix(length)), token: tokens) == nil)
        }
        #expect(LoopProbe(frame: Array(frame.prefix(39)), token: tokens) != nil)
    }
}
