import NetlinkWire
import PatchbayModel
import Testing

/// The reader of IFLA_VFINFO_LIST. No SR-IOV NIC exists on the project's machines, so the dump
/// entry is written out here field by field in the order the kernel's rtnl_fill_vfinfo
/// (net/core/rtnetlink.c, Linux 6.x) emits it for a request with RTEXT_FILTER_VF|SKIP_STATS.
@Suite struct VirtualFunctionInfoTests {
    private func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }

    /// One IFLA_VF_INFO: VF `vf` with `mac`, VLAN 42 qos 5 (802.1ad when `qinq`), rates 10/100,
    /// spoofchk on, link state enable, RSS query off, trust unreported (-1).
    private func vfInfo(_ vf: UInt32, mac: [UInt8], qinq: Bool = false) -> [UInt8] {
        var body: [UInt8] = []
        body += [0x28, 0x00, 0x01, 0x00] + u32(vf) + mac + [UInt8](repeating: 0, count: 32 - mac.count)  // IFLA_VF_MAC
        body += [0x24, 0x00, 0x0d, 0x00] + [UInt8](repeating: 0xff, count: 6) + [UInt8](repeating: 0, count: 26)  // IFLA_VF_BROADCAST
        body += [0x10, 0x00, 0x02, 0x00] + u32(vf) + u32(42) + u32(5)  // IFLA_VF_VLAN: vf, vlan 42, qos 5
        body += [0x10, 0x00, 0x06, 0x00] + u32(vf) + u32(10) + u32(100)  // IFLA_VF_RATE: min 10, max 100
        body += [0x0c, 0x00, 0x03, 0x00] + u32(vf) + u32(100)  // IFLA_VF_TX_RATE: 100 (the legacy copy of max)
        body += [0x0c, 0x00, 0x04, 0x00] + u32(vf) + u32(1)  // IFLA_VF_SPOOFCHK on
        body += [0x0c, 0x00, 0x05, 0x00] + u32(vf) + u32(1)  // IFLA_VF_LINK_STATE enable
        body += [0x0c, 0x00, 0x07, 0x00] + u32(vf) + u32(0)  // IFLA_VF_RSS_QUERY_EN off
        body += [0x0c, 0x00, 0x09, 0x00] + u32(vf) + u32(UInt32.max)  // IFLA_VF_TRUST -1: not reported
        body += [0x18, 0x00, 0x0c, 0x00,  // IFLA_VF_VLAN_LIST
                 0x14, 0x00, 0x01, 0x00] + u32(vf) + u32(42) + u32(5)  // IFLA_VF_VLAN_INFO vf, vlan, qos
            + (qinq ? [0x88, 0xa8] : [0x81, 0x00]) + [0x00, 0x00]  // vlan_proto (big-endian), pad
        let length = UInt16(4 + body.count)
        return withUnsafeBytes(of: length) { Array($0) } + [0x01, 0x00] + body  // IFLA_VF_INFO (no NLA_F_NESTED)
    }

    private func newLink(_ attributes: [UInt8]) -> NetlinkMessage {
        let header: [UInt8] = [0x00, 0x00, 0x01, 0x00] + u32(3) + u32(0x1003) + u32(0)  // AF_UNSPEC, ARPHRD_ETHER, index 3, flags
        return NetlinkMessage(type: NetlinkConstants.RTM_NEWLINK, flags: 0, payload: header + attributes)
    }

    private func message(_ entries: [[UInt8]]) -> NetlinkMessage {
        let list = entries.flatMap { $0 }
        let listLength = UInt16(4 + list.count)
        return newLink([0x09, 0x00, 0x03, 0x00, 0x65, 0x6e, 0x6f, 0x31, 0x00, 0x00, 0x00, 0x00]  // IFLA_IFNAME "eno1"
                       + [0x08, 0x00, 0x15, 0x00] + u32(UInt32(entries.count))  // IFLA_NUM_VF
                       + withUnsafeBytes(of: listLength) { Array($0) } + [0x16, 0x00] + list)  // IFLA_VFINFO_LIST
    }

    @Test func readsEveryFieldOfEachVF() throws {
        let m = message([vfInfo(0, mac: [0x52, 0x54, 0x00, 0x00, 0x00, 0x01]), vfInfo(1, mac: [0, 0, 0, 0, 0, 0], qinq: true)])
        let vfs = try VirtualFunctionInfo.parseList(m)
        #expect(try VirtualFunctionInfo.count(m) == 2)
        #expect(vfs == [
            VirtualFunctionInfo(vf: 0, mac: MACAddress("52:54:00:00:00:01"), vlan: 42, qos: 5, vlanProtocol: 0x8100,
                                minTxRate: 10, maxTxRate: 100, spoofCheck: true, trust: nil, linkState: .enable),
            VirtualFunctionInfo(vf: 1, mac: MACAddress("00:00:00:00:00:00"), vlan: 42, qos: 5, vlanProtocol: 0x88a8,
                                minTxRate: 10, maxTxRate: 100, spoofCheck: true, trust: nil, linkState: .enable),
        ])
    }

    @Test func aLinkWithoutVFsHasNone() throws {
        let m = newLink([0x07, 0x00, 0x03, 0x00, 0x76, 0x30, 0x00, 0x00])  // IFLA_IFNAME "v0": a veth
        #expect(try VirtualFunctionInfo.parseList(m).isEmpty)
        #expect(try VirtualFunctionInfo.count(m) == nil)
    }

    @Test func refusesAnEntryThatDoesNotSayWhichVF() {
        let entry: [UInt8] = [0x0c, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x04, 0x00] + u32(0) + u32(1)  // IFLA_VF_INFO with only SPOOFCHK
        #expect(throws: NetlinkWireError.self) { try VirtualFunctionInfo.parseList(message([entry])) }
        // A list cut short inside an entry is refused with its offset, not read past.
        var cut = message([vfInfo(0, mac: [2, 0, 0, 0, 0, 1])])
        cut.payload.removeLast(9)
        #expect(throws: NetlinkWireError.self) { try VirtualFunctionInfo.parseList(cut) }
    }

    @Test func theLegacyRateStandsInForAMissingRate() throws {
        let body: [UInt8] = [0x28, 0x00, 0x01, 0x00] + u32(4) + [2, 0, 0, 0, 0, 4] + [UInt8](repeating: 0, count: 26)
            + [0x0c, 0x00, 0x03, 0x00] + u32(4) + u32(250)  // IFLA_VF_TX_RATE only (kernels before 3.16)
        let entry = withUnsafeBytes(of: UInt16(4 + body.count)) { Array($0) } + [0x01, 0x00] + body
        let vf = try #require(VirtualFunctionInfo.parseList(message([entry])).first)
        #expect(vf.vf == 4 && vf.maxTxRate == 250 && vf.minTxRate == 0 && vf.spoofCheck == nil && vf.linkState == nil)
    }
}
