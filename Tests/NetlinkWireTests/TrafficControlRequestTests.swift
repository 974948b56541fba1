import NetlinkWire
import PatchbayModel
import Testing

/// Byte-exact traffic-control requests. Each expectation is what iproute2 6.1 sent for the same
/// command (`strace -f -e trace=sendmsg -xx tc ...`, in a namespace where br0 had index 2, va 5 and
/// ifb0 3), less the rate tables tc still appends to a class (TCA_HTB_RTAB/CTAB, 1 KiB each): with
/// linklayer TC_LINKLAYER_ETHERNET in the rate specs the kernel needs none. Field by field
/// against <linux/rtnetlink.h> (struct tcmsg) and <linux/pkt_sched.h>/<linux/pkt_cls.h>.
@Suite struct TrafficControlRequestTests {
    @Test func tcmsgLayout() {
        let header = TcMessage(interfaceIndex: 2, handle: 0x0001_0002, parent: 0xFFFF_FFFF,
                               info: TcMessage.filterInfo(priority: 2, protocol: NetlinkConstants.ETH_P_ALL))
        #expect(header.bytes == [
            0x00, 0x00, 0x00, 0x00,  // tcm_family AF_UNSPEC, tcm__pad1, tcm__pad2
            0x02, 0x00, 0x00, 0x00,  // tcm_ifindex 2
            0x02, 0x00, 0x01, 0x00,  // tcm_handle 1:2
            0xff, 0xff, 0xff, 0xff,  // tcm_parent TC_H_ROOT
            0x00, 0x03, 0x02, 0x00,  // tcm_info: htons(ETH_P_ALL) in the low half, prio 2 in the high half
        ])
        #expect(header.filterPriority == 2 && header.filterProtocol == NetlinkConstants.ETH_P_ALL)
        #expect(TcMessage.filterInfo(priority: 1, protocol: NetlinkConstants.ETH_P_ALL) == 66304)  // what tc sent
        #expect(TCHandle(major: 1, minor: 0).description == "1:" && TCHandle(major: 0xffff, minor: 0).description == "ffff:")
        #expect(TCHandle(major: 1, minor: 0x1f).description == "1:1f" && TCHandle.root.description == "root")
    }

    @Test func htbQdiscMatchesTcQdiscAddRootHTB() {
        // tc qdisc add dev br0 root handle 1: htb default 1
        let message = QdiscRequest.write(.add, interfaceIndex: 2, handle: TCHandle(major: 1, minor: 0), parent: .root,
                                         kind: .htb(HTBQdiscOptions(defaultClass: 1)))
        let expected: [UInt8] = [
            0x48, 0x00, 0x00, 0x00,  // nlmsg_len 72
            0x24, 0x00,  // RTM_NEWQDISC
            0x05, 0x06,  // REQUEST|ACK|EXCL|CREATE
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq (stamped by the session), pid
            0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,  // tcmsg: family, pads, ifindex 2
            0x00, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff,  // handle 1:, parent TC_H_ROOT
            0x00, 0x00, 0x00, 0x00,  // info
            0x08, 0x00, 0x01, 0x00, 0x68, 0x74, 0x62, 0x00,  // TCA_KIND "htb\0"
            0x1c, 0x00, 0x02, 0x00,  // TCA_OPTIONS, 28 bytes
            0x18, 0x00, 0x02, 0x00,  // TCA_HTB_INIT, 24 bytes: struct tc_htb_glob
            0x03, 0x00, 0x00, 0x00,  // version 3
            0x0a, 0x00, 0x00, 0x00,  // rate2quantum 10
            0x01, 0x00, 0x00, 0x00,  // defcls 1
            0x00, 0x00, 0x00, 0x00,  // debug
            0x00, 0x00, 0x00, 0x00,  // direct_pkts
        ]
        #expect(message.encoded() == expected)
        // replace: CREATE|REPLACE, change: neither.
        #expect(QdiscRequest.write(.replace, interfaceIndex: 2, handle: TCHandle(major: 1, minor: 0), parent: .root,
                                   kind: .htb(HTBQdiscOptions(defaultClass: 1))).flags == 0x0505)
        #expect(QdiscRequest.write(.change, interfaceIndex: 2, handle: TCHandle(major: 1, minor: 0), parent: .root,
                                   kind: .htb(HTBQdiscOptions(defaultClass: 1))).flags == 0x0005)
    }

    @Test func ingressQdiscAddAndDelete() {
        // tc qdisc add dev va ingress
        #expect(QdiscRequest.addIngress(interfaceIndex: 5).encoded() == [
            0x30, 0x00, 0x00, 0x00, 0x24, 0x00, 0x05, 0x06,  // 48 bytes, RTM_NEWQDISC, REQUEST|ACK|EXCL|CREATE
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,  // ifindex 5
            0x00, 0x00, 0xff, 0xff, 0xf1, 0xff, 0xff, 0xff,  // handle ffff:, parent TC_H_INGRESS
            0x00, 0x00, 0x00, 0x00,
            0x0c, 0x00, 0x01, 0x00, 0x69, 0x6e, 0x67, 0x72, 0x65, 0x73, 0x73, 0x00,  // TCA_KIND "ingress\0"
        ])
        // tc qdisc del dev va ingress: the same header and kind, RTM_DELQDISC, REQUEST|ACK.
        let delete = QdiscRequest.deleteIngress(interfaceIndex: 5).encoded()
        #expect(delete.count == 48 && delete[4] == 37 && delete[6] == 0x05 && delete[7] == 0x00)
        #expect(Array(delete[16...]) == Array(QdiscRequest.addIngress(interfaceIndex: 5).encoded()[16...]))
        // tc qdisc del dev br0 root: handle 0, parent TC_H_ROOT, no kind.
        #expect(QdiscRequest.delete(interfaceIndex: 2, parent: .root).encoded() == [
            0x24, 0x00, 0x00, 0x00, 0x25, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
            0x00, 0x00, 0x00, 0x00,
        ])
    }

    @Test func htbClassMatchesTcClassAddWithoutRateTables() {
        // tc class add dev br0 parent 1: classid 1:1 htb rate 1000kbps ceil 2000kbps burst 64kb quantum 85
        let options = HTBClassOptions(rate: 1_000_000, ceil: 2_000_000, burst: 65536, quantum: 85)
        let message = TrafficClassRequest.writeHTB(.add, interfaceIndex: 2, handle: TCHandle(major: 1, minor: 1),
                                                   parent: TCHandle(major: 1, minor: 0), options: options)
        let expected: [UInt8] = [
            0x60, 0x00, 0x00, 0x00,  // nlmsg_len 96 (tc's 2152 less two 1028-byte rate tables)
            0x28, 0x00, 0x05, 0x06,  // RTM_NEWTCLASS, REQUEST|ACK|EXCL|CREATE
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,  // ifindex 2
            0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,  // handle 1:1, parent 1:
            0x00, 0x00, 0x00, 0x00,
            0x08, 0x00, 0x01, 0x00, 0x68, 0x74, 0x62, 0x00,  // TCA_KIND "htb\0"
            0x34, 0x00, 0x02, 0x00,  // TCA_OPTIONS, 52 bytes
            0x30, 0x00, 0x01, 0x00,  // TCA_HTB_PARMS, 48 bytes: struct tc_htb_opt
            0x03, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,  // rate: cell_log 3, linklayer ETHERNET, overhead 0, cell_align -1, mpu 0
            0x40, 0x42, 0x0f, 0x00,  // rate 1,000,000 B/s (1000kbps: kbps is 1000 bytes per second)
            0x03, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,  // ceil spec
            0x80, 0x84, 0x1e, 0x00,  // ceil 2,000,000 B/s
            0x00, 0xa0, 0x0f, 0x00,  // buffer 1,024,000 ticks: 64 KiB at 1 MB/s is 65.536 ms of 64 ns ticks
            0xd4, 0x30, 0x00, 0x00,  // cbuffer 12,500 ticks: tc's default cburst of 1600 bytes at 2 MB/s
            0x55, 0x00, 0x00, 0x00,  // quantum 85
            0x00, 0x00, 0x00, 0x00,  // level
            0x00, 0x00, 0x00, 0x00,  // prio
        ]
        #expect(message.encoded() == expected)
        #expect(options.burstBytes == 65536 && options.cburstBytes == 1600)
        // tc class change: flags REQUEST|ACK; replace: REQUEST|ACK|CREATE (as tc_class.c).
        #expect(TrafficClassRequest.writeHTB(.change, interfaceIndex: 2, handle: TCHandle(major: 1, minor: 1),
                                             parent: TCHandle(major: 1, minor: 0), options: options).flags == 0x0005)
        #expect(TrafficClassRequest.writeHTB(.replace, interfaceIndex: 2, handle: TCHandle(major: 1, minor: 1),
                                             parent: TCHandle(major: 1, minor: 0), options: options).flags == 0x0405)
    }

    @Test func ratesBeyond32BitsTravelIn64BitAttributes() {
        // tc class replace dev br0 parent 1: classid 1:2 htb rate 40gbit ceil 50gbit
        let options = HTBClassOptions(rate: 5_000_000_000, ceil: 6_250_000_000)
        let attributes = options.attributes
        #expect(Array(attributes[0..<12]) == [0x0c, 0x00, 0x06, 0x00, 0x00, 0xf2, 0x05, 0x2a, 0x01, 0x00, 0x00, 0x00])  // TCA_HTB_RATE64
        #expect(Array(attributes[12..<24]) == [0x0c, 0x00, 0x07, 0x00, 0x80, 0x6e, 0x87, 0x74, 0x01, 0x00, 0x00, 0x00])  // TCA_HTB_CEIL64
        #expect(Array(attributes[24..<28]) == [0x30, 0x00, 0x01, 0x00])
        #expect(Array(attributes[36..<40]) == [0xff, 0xff, 0xff, 0xff])  // tc_ratespec.rate saturated
        let back = try? HTBClassOptions(options: NetlinkAttribute.parse(attributes))
        #expect(back?.rate == 5_000_000_000 && back?.ceil == 6_250_000_000)
    }

    @Test func mirredRedirectFilterMatchesTc() {
        // tc filter add dev va parent ffff: protocol all prio 1 u32 match u32 0 0 action mirred egress redirect dev ifb0
        let message = TrafficFilterRequest.writeU32(.add, interfaceIndex: 5, parent: .ingress, priority: 1, handle: 0,
                                                    options: U32FilterOptions(selector: .matchAll, actions: [.mirredEgressRedirect(to: 3)]))
        let expected: [UInt8] = [
            0x8c, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x05, 0x06,  // 140 bytes, RTM_NEWTFILTER, REQUEST|ACK|EXCL|CREATE
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,  // ifindex 5
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,  // handle 0 (the kernel picks 800::800), parent ffff:
            0x00, 0x03, 0x01, 0x00,  // info: prio 1, protocol all
            0x08, 0x00, 0x01, 0x00, 0x75, 0x33, 0x32, 0x00,  // TCA_KIND "u32\0"
            0x60, 0x00, 0x02, 0x00,  // TCA_OPTIONS, 96 bytes
            0x38, 0x00, 0x07, 0x00,  // TCA_U32_ACT, 56 bytes
            0x34, 0x00, 0x01, 0x00,  // action 1
            0x0b, 0x00, 0x01, 0x00, 0x6d, 0x69, 0x72, 0x72, 0x65, 0x64, 0x00, 0x00,  // TCA_ACT_KIND "mirred\0" + pad
            0x24, 0x00, 0x02, 0x80,  // TCA_ACT_OPTIONS | NLA_F_NESTED
            0x20, 0x00, 0x02, 0x00,  // TCA_MIRRED_PARMS: struct tc_mirred
            0x00, 0x00, 0x00, 0x00,  // index
            0x00, 0x00, 0x00, 0x00,  // capab
            0x04, 0x00, 0x00, 0x00,  // action TC_ACT_STOLEN
            0x00, 0x00, 0x00, 0x00,  // refcnt
            0x00, 0x00, 0x00, 0x00,  // bindcnt
            0x01, 0x00, 0x00, 0x00,  // eaction TCA_EGRESS_REDIR
            0x03, 0x00, 0x00, 0x00,  // ifindex 3 (ifb0)
            0x24, 0x00, 0x05, 0x00,  // TCA_U32_SEL, 36 bytes: struct tc_u32_sel
            0x01, 0x00, 0x01, 0x00,  // flags TC_U32_TERMINAL, offshift, nkeys 1, pad
            0x00, 0x00, 0x00, 0x00,  // offmask, off
            0x00, 0x00, 0x00, 0x00,  // offoff, hoff
            0x00, 0x00, 0x00, 0x00,  // hmask
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // key: mask 0, val 0
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // off 0, offmask 0
        ]
        #expect(message.encoded() == expected)
    }

    @Test func destinationMACFilterMatchesTc() {
        // tc filter add dev br0 parent 1: protocol all prio 2 handle 800::3 u32
        //   match u16 0x5254 0xffff at -14 match u32 0x00aabbcc 0xffffffff at -12 flowid 1:2
        let mac = MACAddress("52:54:00:aa:bb:cc")!
        let message = TrafficFilterRequest.writeU32(.add, interfaceIndex: 2, parent: TCHandle(major: 1, minor: 0), priority: 2,
                                                    handle: U32Handle.rule(3),
                                                    options: U32FilterOptions(selector: .destinationMAC(mac), classID: TCHandle(major: 1, minor: 2)))
        let expected: [UInt8] = [
            0x6c, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x05, 0x06,  // 108 bytes, RTM_NEWTFILTER
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,  // ifindex 2
            0x03, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01, 0x00,  // handle 800::3 (0x80000003), parent 1:
            0x00, 0x03, 0x02, 0x00,  // prio 2, protocol all
            0x08, 0x00, 0x01, 0x00, 0x75, 0x33, 0x32, 0x00,  // TCA_KIND "u32\0"
            0x40, 0x00, 0x02, 0x00,  // TCA_OPTIONS, 64 bytes
            0x08, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x00,  // TCA_U32_CLASSID 1:2
            0x34, 0x00, 0x05, 0x00,  // TCA_U32_SEL, 52 bytes
            0x01, 0x00, 0x02, 0x00,  // TERMINAL, nkeys 2
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x52, 0x54,  // key 1: mask 0x0000ffff, value 0x00005254 (big-endian)
            0xf0, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,  //   at -16: the u16 at -14 is the word's lower half
            0xff, 0xff, 0xff, 0xff, 0x00, 0xaa, 0xbb, 0xcc,  // key 2: mask 0xffffffff, value 0x00aabbcc
            0xf4, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,  //   at -12
        ]
        #expect(message.encoded() == expected)
        #expect(U32Selector.destinationMAC(mac).destinationMAC == mac)
        #expect(U32Selector.matchAll.destinationMAC == nil && U32Selector.matchAll.matchesAll)
    }

    @Test func deletesAndDumpsMatchTc() {
        // tc filter del dev br0 parent 1: prio 2 handle 800::3 u32
        #expect(TrafficFilterRequest.deleteU32(interfaceIndex: 2, parent: TCHandle(major: 1, minor: 0), priority: 2,
                                               handle: U32Handle.rule(3)).encoded() == [
            0x2c, 0x00, 0x00, 0x00, 0x2d, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01, 0x00,
            0x00, 0x00, 0x02, 0x00,  // info: prio 2, protocol 0 (any)
            0x08, 0x00, 0x01, 0x00, 0x75, 0x33, 0x32, 0x00,
        ])
        // tc class del dev br0 classid 1:2
        #expect(TrafficClassRequest.delete(interfaceIndex: 2, handle: TCHandle(major: 1, minor: 2)).encoded() == [
            0x24, 0x00, 0x00, 0x00, 0x29, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,
        ])
        // tc qdisc show / class show / filter show dev va ingress: dumps with the index (and parent ffff:fff2).
        let dumps = [QdiscRequest.dump(interfaceIndex: 5), TrafficClassRequest.dump(interfaceIndex: 5),
                     TrafficFilterRequest.dump(interfaceIndex: 5, parent: TrafficFilterRequest.ingressDumpParent)]
        #expect(dumps.map(\.type) == [38, 42, 46])
        #expect(dumps.allSatisfy { $0.flags == 0x0301 && $0.encoded().count == 36 })
        #expect(Array(dumps[2].encoded()[28..<32]) == [0xf2, 0xff, 0xff, 0xff])
    }

    @Test func ifbCreation() {
        // ip link add ifb0 txqueuelen 1000 type ifb
        let bytes = LinkRequest.createIFB(name: "ifb0", txQueueLength: 1000).encoded()
        #expect(bytes[4] == 16 && bytes[6] == 0x05 && bytes[7] == 0x06)
        #expect(Array(bytes[32...]) == [
            0x09, 0x00, 0x03, 0x00, 0x69, 0x66, 0x62, 0x30, 0x00, 0x00, 0x00, 0x00,  // IFLA_IFNAME "ifb0\0"
            0x08, 0x00, 0x0d, 0x00, 0xe8, 0x03, 0x00, 0x00,  // IFLA_TXQLEN 1000
            0x0c, 0x00, 0x12, 0x00, 0x07, 0x00, 0x01, 0x00, 0x69, 0x66, 0x62, 0x00,  // IFLA_LINKINFO { IFLA_INFO_KIND "ifb" }
        ])
    }

    @Test func psclockTicksAreTcs() {
        // tc_calc_xmittime at 64 ns a tick: 1600 bytes at 12.5 MB/s (100 Mbit/s) are 128 µs = 2000 ticks.
        #expect(PschedClock.ticks(bytes: 1600, rate: 12_500_000) == 2000)
        #expect(PschedClock.ticks(bytes: 1, rate: 0) == nil)
        #expect(PschedClock.bytes(ticks: 2000, rate: 12_500_000) == 1600)
        #expect(PschedClock.ticks(bytes: UInt64.max, rate: 1) == UInt64.max)
    }
}
