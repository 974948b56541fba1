import PatchbayModel
import Testing

/// `ovs-ofctl dump-flows` output as OVS 3.1 prints it (OpenFlow 1.0 header included), read into
/// flows for `net-flows`.
@Suite struct OVSFlowParserTests {
    @Test func readsOVSOutput() {
        let text = """
            NXST_FLOW reply (xid=0x4):
             cookie=0x0, duration=12.345s, table=0, n_packets=10, n_bytes=840, idle_age=3, priority=0 actions=NORMAL
             cookie=0x1f, duration=0.5s, table=1, n_packets=0, n_bytes=0, priority=100,ip,in_port=2,nw_dst=10.0.0.1 actions=output:3,mod_vlan_vid:100

            """
        let flows = OVSFlowParser.parse(text)
        #expect(flows.count == 2)
        #expect(flows[0] == OVSFlow(table: 0, priority: 0, match: "", actions: "NORMAL", packets: 10, bytes: 840, cookie: "0x0", durationSeconds: 12.345))
        #expect(flows[1].table == 1 && flows[1].priority == 100)
        #expect(flows[1].match == "ip,in_port=2,nw_dst=10.0.0.1")
        #expect(flows[1].actions == "output:3,mod_vlan_vid:100")
        #expect(flows[1].cookie == "0x1f")
    }

    @Test func defaultsAndOddLines() {
        #expect(OVSFlowParser.parse("").isEmpty)
        #expect(OVSFlowParser.parse("garbage without the keyword\n").isEmpty)
        let bare = OVSFlowParser.parse("actions=drop")
        #expect(bare == [OVSFlow(actions: "drop")])
        let odd = OVSFlowParser.parse(" table=x, n_packets=y, priority=z,arp actions=NORMAL")
        #expect(odd.first?.table == 0 && odd.first?.packets == 0 && odd.first?.priority == 32768 && odd.first?.match == "arp")
    }
}
