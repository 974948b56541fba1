import NetlinkWire
import PatchbayModel
import Testing

/// Dump replies as the kernel lays them out (tc_fill_qdisc, tc_fill_tclass, tcf_fill_node with
/// htb_dump_class, u32_dump and tcf_mirred_dump), read back; requests round-tripped through the
/// decoders (a request carries the same TCA_* attributes a dump entry does); and malformed input
/// refused, never trapped on.
@Suite struct TrafficControlDecodingTests {
    typealias C = NetlinkConstants

    private func message(_ type: UInt16, _ header: TcMessage, _ build: (inout NetlinkAttributeBuilder) -> Void) -> NetlinkMessage {
        var b = NetlinkAttributeBuilder()
        build(&b)
        return NetlinkMessage(type: type, flags: C.NLM_F_MULTI, payload: header.bytes + b.bytes)
    }

    private func stats2(_ b: inout NetlinkAttributeBuilder, bytes: UInt64, packets: UInt32, drops: UInt32) {
        b.nest(C.TCA_STATS2) { s in
            var basic: [UInt8] = []
            withUnsafeBytes(of: bytes) { basic += $0 }
            withUnsafeBytes(of: packets) { basic += $0 }
            basic += [0, 0, 0, 0]  // the kernel pads struct gnet_stats_basic to 16 bytes
            s.append(C.TCA_STATS_BASIC, bytes: basic)
            var queue: [UInt8] = []
            for word: UInt32 in [2, 3000, drops, 0, 7] { withUnsafeBytes(of: word) { queue += $0 } }
            s.append(C.TCA_STATS_QUEUE, bytes: queue)
        }
    }

    @Test func htbQdiscDumpEntry() throws {
        let reply = message(C.RTM_NEWQDISC, TcMessage(interfaceIndex: 4, handle: 0x0001_0000, parent: C.TC_H_ROOT, info: 2)) { b in
            b.append(C.TCA_KIND, string: "htb")
            b.nest(C.TCA_OPTIONS) { o in
                var glob: [UInt8] = []
                for word: UInt32 in [3, 10, 2, 0, 17] { withUnsafeBytes(of: word) { glob += $0 } }
                o.append(C.TCA_HTB_INIT, bytes: glob)
                o.append(C.TCA_HTB_DIRECT_QLEN, uint32: 1000)
            }
            stats2(&b, bytes: 123_456, packets: 99, drops: 5)
        }
        let qdisc = try QdiscEntry(message: reply)
        #expect(qdisc.interfaceIndex == 4 && qdisc.handle == TCHandle(major: 1, minor: 0) && qdisc.isRoot && !qdisc.isIngress)
        #expect(qdisc.kind == "htb" && qdisc.htb?.defaultClass == 2 && qdisc.htb?.version == 3 && qdisc.htb?.rate2quantum == 10)
        #expect(qdisc.htb?.directPackets == 17 && qdisc.htb?.directQueueLength == 1000)
        #expect(qdisc.statistics == TCStatistics(bytes: 123_456, packets: 99, drops: 5, overlimits: 7, backlogBytes: 3000, queueLength: 2))
    }

    @Test func ingressAndFifoQdiscs() throws {
        let ingress = message(C.RTM_NEWQDISC, TcMessage(interfaceIndex: 4, handle: 0xFFFF_0000, parent: C.TC_H_INGRESS)) { b in
            b.append(C.TCA_KIND, string: "ingress")
            b.nest(C.TCA_OPTIONS) { _ in }
        }
        let q = try QdiscEntry(message: ingress)
        #expect(q.isIngress && q.handle == .ingress && q.kind == "ingress" && q.htb == nil)
        let fifo = message(C.RTM_NEWQDISC, TcMessage(interfaceIndex: 4, handle: 0x8001_0000, parent: 0x0001_0001)) { b in
            b.append(C.TCA_KIND, string: "pfifo")
            b.append(C.TCA_OPTIONS, uint32: 1000)
        }
        #expect(try QdiscEntry(message: fifo).fifoLimit == 1000)
    }

    @Test func htbClassDumpEntryAndRoundTrip() throws {
        let options = HTBClassOptions(rate: 12_500_000, ceil: 25_000_000, burst: 32768, quantum: 1066, priority: 1)
        let request = TrafficClassRequest.writeHTB(.add, interfaceIndex: 9, handle: TCHandle(major: 1, minor: 1),
                                                   parent: TCHandle(major: 1, minor: 0), options: options)
        let back = try TrafficClassEntry(message: request)
        #expect(back.interfaceIndex == 9 && back.handle == TCHandle(major: 1, minor: 1) && back.parent == TCHandle(major: 1, minor: 0))
        #expect(back.kind == "htb" && back.htb == options)
        #expect(back.htb?.sameShaping(as: options) == true)
        // The kernel's dump (psched_ratecfg_getrate) reports cell_log 0 and cell_align 0 and a
        // level; the shaping is still the same.
        let dumped = message(C.RTM_NEWTCLASS, TcMessage(interfaceIndex: 9, handle: 0x0001_0001, parent: 0x0001_0000, info: 0x0001_0000)) { b in
            b.append(C.TCA_KIND, string: "htb")
            b.nest(C.TCA_OPTIONS) { o in
                var kernel = options
                kernel.rateSpec.cellLog = 0
                kernel.rateSpec.cellAlign = 0
                kernel.ceilSpec.cellLog = 0
                kernel.ceilSpec.cellAlign = 0
                kernel.level = 0
                o.appendRaw(kernel.attributes)
            }
            stats2(&b, bytes: 1, packets: 1, drops: 0)
            b.append(C.TCA_XSTATS, bytes: [UInt8](repeating: 0, count: 20))
        }
        let entry = try TrafficClassEntry(message: dumped)
        #expect(entry.htb?.sameShaping(as: options) == true && entry.htb?.rate == 12_500_000 && entry.htb?.ceil == 25_000_000)
        #expect(entry.htb?.quantum == 1066 && entry.htb?.priority == 1 && entry.statistics?.packets == 1)
        var changed = options
        changed.rate += 1
        #expect(entry.htb?.sameShaping(as: changed) == false)
    }

    @Test func u32FilterDumpEntries() throws {
        // The three entries `tc filter show dev va ingress` reads: the classifier, its hash
        // table, and the rule, which the kernel dumps with its action's statistics and times.
        let classifier = message(C.RTM_NEWTFILTER, TcMessage(interfaceIndex: 5, handle: 0, parent: 0xFFFF_0000,
                                                              info: TcMessage.filterInfo(priority: 1, protocol: C.ETH_P_ALL))) { b in
            b.append(C.TCA_KIND, string: "u32")
            b.append(C.TCA_CHAIN, uint32: 0)
        }
        let table = message(C.RTM_NEWTFILTER, TcMessage(interfaceIndex: 5, handle: 0x8000_0000, parent: 0xFFFF_0000,
                                                         info: TcMessage.filterInfo(priority: 1, protocol: C.ETH_P_ALL))) { b in
            b.append(C.TCA_KIND, string: "u32")
            b.append(C.TCA_CHAIN, uint32: 0)
            b.nest(C.TCA_OPTIONS) { o in o.append(C.TCA_U32_DIVISOR, uint32: 1) }
        }
        let rule = message(C.RTM_NEWTFILTER, TcMessage(interfaceIndex: 5, handle: U32Handle.rule(1), parent: 0xFFFF_0000,
                                                        info: TcMessage.filterInfo(priority: 1, protocol: C.ETH_P_ALL))) { b in
            b.append(C.TCA_KIND, string: "u32")
            b.append(C.TCA_CHAIN, uint32: 0)
            b.nest(C.TCA_OPTIONS) { o in
                o.append(C.TCA_U32_SEL, bytes: U32Selector.matchAll.bytes)
                o.append(C.TCA_U32_HASH, uint32: 0x8000_0000)
                o.append(C.TCA_U32_FLAGS, uint32: 8)  // TCA_CLS_FLAGS_NOT_IN_HW
                o.nest(C.TCA_U32_ACT) { list in
                    list.nest(1) { a in
                        a.append(C.TCA_ACT_KIND, string: "mirred")
                        a.nest(C.TCA_ACT_OPTIONS | C.NLA_F_NESTED) { m in
                            m.append(1, bytes: [UInt8](repeating: 0, count: 32))  // TCA_MIRRED_TM
                            var parms = MirredParameters(redirectToEgressOf: 3)
                            parms.index = 1
                            m.append(C.TCA_MIRRED_PARMS, bytes: parms.bytes)
                        }
                        a.nest(4) { _ in }  // TCA_ACT_STATS
                    }
                }
            }
        }
        let entries = try [classifier, table, rule].map(FilterEntry.init(message:))
        #expect(entries.map(\.isU32Rule) == [false, false, true])
        #expect(entries.allSatisfy { $0.priority == 1 && $0.protocolNumber == C.ETH_P_ALL && $0.parent == .ingress && $0.chain == 0 })
        #expect(entries[1].u32?.divisor == 1)
        let u32 = try #require(entries[2].u32)
        #expect(u32.selector?.matchesAll == true && u32.classID == nil)
        #expect(u32.actions.count == 1 && u32.actions[0].kind == "mirred")
        #expect(u32.actions[0].mirred?.isEgressRedirect == true && u32.actions[0].mirred?.interfaceIndex == 3 && u32.actions[0].mirred?.index == 1)
        #expect(entries[2].handle == 0x8000_0001 && U32Handle.node(entries[2].handle) == 1)
    }

    @Test func filterRequestsRoundTrip() throws {
        let mac = MACAddress("52:54:00:12:34:56")!
        let options = U32FilterOptions(selector: .destinationMAC(mac), classID: TCHandle(major: 1, minor: 7))
        let request = TrafficFilterRequest.writeU32(.replace, interfaceIndex: 2, parent: TCHandle(major: 1, minor: 0), priority: 2,
                                                    handle: U32Handle.rule(7), options: options)
        let entry = try FilterEntry(message: request)
        #expect(entry.u32 == options && entry.handle == U32Handle.rule(7) && entry.priority == 2 && entry.kind == "u32")
        #expect(entry.u32?.selector?.destinationMAC == mac)
        let redirect = U32FilterOptions(selector: .matchAll, actions: [.mirredEgressRedirect(to: 44)])
        let back = try FilterEntry(message: TrafficFilterRequest.writeU32(.add, interfaceIndex: 5, parent: .ingress, priority: 1,
                                                                          handle: U32Handle.rule(1), options: redirect))
        #expect(back.u32 == redirect)
        let qdisc = try QdiscEntry(message: QdiscRequest.write(.add, interfaceIndex: 2, handle: TCHandle(major: 1, minor: 0), parent: .root,
                                                              kind: .htb(HTBQdiscOptions(defaultClass: 2))))
        #expect(qdisc.htb == HTBQdiscOptions(defaultClass: 2) && qdisc.isRoot)
    }

    @Test func malformedInputIsRefused() {
        let short = NetlinkMessage(type: C.RTM_NEWQDISC, flags: 0, payload: [1, 2, 3])
        #expect(throws: NetlinkWireError.self) { try QdiscEntry(message: short) }
        #expect(throws: NetlinkWireError.self) { try TrafficClassEntry(message: short) }
        #expect(throws: NetlinkWireError.self) { try FilterEntry(message: short) }
        // htb class options without TCA_HTB_PARMS, or a short one.
        let noParms = message(C.RTM_NEWTCLASS, TcMessage(interfaceIndex: 1)) { b in
            b.append(C.TCA_KIND, string: "htb")
            b.nest(C.TCA_OPTIONS) { o in o.append(C.TCA_HTB_PARMS, bytes: [0, 1, 2]) }
        }
        #expect(throws: NetlinkWireError.self) { try TrafficClassEntry(message: noParms) }
        // A selector claiming more keys than it carries.
        let lying = message(C.RTM_NEWTFILTER, TcMessage(interfaceIndex: 1)) { b in
            b.append(C.TCA_KIND, string: "u32")
            b.nest(C.TCA_OPTIONS) { o in
                var sel = U32Selector.matchAll.bytes
                sel[2] = 200
                o.append(C.TCA_U32_SEL, bytes: sel)
            }
        }
        #expect(throws: NetlinkWireError.self) { try FilterEntry(message: lying) }
        // A mirred action whose parameters are short.
        let shortMirred = message(C.RTM_NEWTFILTER, TcMessage(interfaceIndex: 1)) { b in
            b.append(C.TCA_KIND, string: "u32")
            b.nest(C.TCA_OPTIONS) { o in
                o.nest(C.TCA_U32_ACT) { l in
                    l.nest(1) { a in
                        a.append(C.TCA_ACT_KIND, string: "mirred")
                        a.nest(C.TCA_ACT_OPTIONS) { m in m.append(C.TCA_MIRRED_PARMS, bytes: [1]) }
                    }
                }
            }
        }
        #expect(throws: NetlinkWireError.self) { try FilterEntry(message: shortMirred) }
        // Every truncation of a valid reply either reads or is refused.
        let valid = TrafficFilterRequest.writeU32(.add, interfaceIndex: 5, parent: .ingress, priority: 1, handle: U32Handle.rule(1),
                                                  options: U32FilterOptions(selector: .matchAll, actions: [.mirredEgressRedirect(to: 3)]))
        for cut in 0..<valid.payload.count {
            let truncated = NetlinkMessage(type: valid.type, flags: 0, payload: Array(valid.payload.prefix(cut)))
            _ = try? FilterEntry(message: truncated)
            _ = try? TrafficClassEntry(message: truncated)
            _ = try? QdiscEntry(message: truncated)
        }
    }
}
