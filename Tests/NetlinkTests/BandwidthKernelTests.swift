import Foundation
import Netlink
import NetlinkWire
import PatchbayKernel
import PatchbayModel
import PatchbayTestSupport
import Testing

/// `KernelBandwidth` on a real kernel. A "host" namespace holds the port device (the host end
/// of a veth, standing in for a TAP) and a "guest" namespace its peer; the floor test puts two
/// ports behind a bridge. Every object is read back through Patchbay's decoders and through
/// `tc -j`, and the shaping is measured with iperf3 between the namespaces (the receiving side
/// measures: `iperf3 -R` from the receiver, half-second intervals after an omitted first second,
/// their median as the statistic).
@Suite("Bandwidth (root, namespaces, iperf3)", .serialized)
struct BandwidthKernelTests {
    /// 100 Mbit/s and 50 Mbit/s in `<bandwidth>`'s kilobytes per second (1000 B/s).
    static let hundredMbit: UInt64 = 12_500
    static let fiftyMbit: UInt64 = 6_250

    /// Host namespace with `vp0` 10.77.0.1/24, guest namespace with `eth0` 10.77.0.2/24.
    static func withPort<T>(_ body: (TestNamespace, TestNamespace, NetlinkSession) async throws -> T) async throws -> T {
        try await TestNamespace.with(prefix: "pbqh") { host in
            try await TestNamespace.with(prefix: "pbqg") { guest in
                let session = try NetlinkSession(namespacePath: host.path)
                try session.createVeth(name: "vp0", peerName: "eth0", peerMAC: MACAddress("52:54:00:77:00:02"), peerNamespacePath: guest.path)
                try Command.check("ip", ["-n", host.name, "addr", "add", "10.77.0.1/24", "dev", "vp0"])
                try Command.check("ip", ["-n", guest.name, "addr", "add", "10.77.0.2/24", "dev", "eth0"])
                try Command.check("ip", ["-n", host.name, "link", "set", "vp0", "up"])
                try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                try await waitUntil("the guest answers") { try guest.exec(["ping", "-c", "1", "-W", "1", "10.77.0.1"]).succeeded }
                return try await body(host, guest, session)
            }
        }
    }

    @Test func bothDirectionsAreShapedAndReadBack() async throws {
        try await Self.withPort { host, guest, session in
            let qos = KernelBandwidth(session: session)
            let definition = BandwidthDefinition(inbound: BandwidthRate(average: Self.fiftyMbit, burst: 64),
                                                 outbound: BandwidthRate(average: Self.hundredMbit, peak: Self.hundredMbit))
            let steps = try await qos.apply(definition, port: "vp0")
            #expect(steps.count == 7)

            // Patchbay's view.
            let port = try #require(try session.link(named: "vp0"))
            let ifb = try #require(try session.link(named: "ifb-vp0"))
            #expect(ifb.kind == "ifb" && ifb.alias == "patchbay:ifb:vp0" && ifb.isUp)
            let qdiscs = try session.qdiscs(interfaceIndex: port.index)
            #expect(qdiscs.contains { $0.isRoot && $0.kind == "htb" && $0.handle == TCHandle(major: 1, minor: 0) && $0.htb?.defaultClass == 1 })
            #expect(qdiscs.contains { $0.isIngress && $0.kind == "ingress" && $0.handle == .ingress })
            // htb_dump_class names a top-level class's parent TC_H_ROOT.
            let egress = try #require(try session.classes(interfaceIndex: port.index).first { $0.handle == TCHandle(major: 1, minor: 1) })
            #expect(egress.parent == .root && egress.htb?.rate == 6_250_000 && egress.htb?.ceil == 6_250_000)
            #expect(egress.htb?.burstBytes == 65_536 && egress.htb?.quantum == 533)
            let rules = try session.filters(interfaceIndex: port.index, parent: TrafficFilterRequest.ingressDumpParent).filter(\.isU32Rule)
            #expect(rules.count == 1)
            #expect(rules.first?.handle == U32Handle.rule(1) && rules.first?.priority == 1 && rules.first?.protocolNumber == NetlinkConstants.ETH_P_ALL)
            #expect(rules.first?.u32?.actions.first?.mirred?.interfaceIndex == UInt32(ifb.index))
            #expect(rules.first?.u32?.actions.first?.mirred?.isEgressRedirect == true)
            let shaping = try #require(try session.classes(interfaceIndex: ifb.index).first)
            #expect(shaping.htb?.rate == 12_500_000 && shaping.htb?.ceil == 12_500_000 && shaping.htb?.quantum == 1066)

            // iproute2's view.
            let tcQdiscs = try Self.tcJSON(host, ["qdisc", "show", "dev", "vp0"])
            #expect(tcQdiscs.contains { $0["kind"] as? String == "htb" && $0["handle"] as? String == "1:" && $0["root"] as? Bool == true
                && ($0["options"] as? [String: Any])?["default"] as? String == "0x1" })
            #expect(tcQdiscs.contains { $0["kind"] as? String == "ingress" && $0["parent"] as? String == "ffff:fff1" })
            let tcClasses = try Self.tcClasses(host, "vp0")
            #expect(tcClasses == [TCClass(handle: "1:1", parent: "root", rateBits: 50_000_000, ceilBits: 50_000_000, burstBytes: 65_536)])
            #expect(try Self.tcClasses(host, "ifb-vp0") == [TCClass(handle: "1:1", parent: "root", rateBits: 100_000_000, ceilBits: 100_000_000, burstBytes: 1600)])
            let tcFilters = try Self.tcJSON(host, ["filter", "show", "dev", "vp0", "ingress"])
            let rule = try #require(tcFilters.first { ($0["options"] as? [String: Any])?["fh"] as? String == "800::1" })
            #expect(rule["protocol"] as? String == "all" && rule["pref"] as? Int == 1 && rule["kind"] as? String == "u32")
            let action = ((rule["options"] as? [String: Any])?["actions"] as? [[String: Any]])?.first
            #expect(action?["kind"] as? String == "mirred" && action?["mirred_action"] as? String == "redirect"
                    && action?["direction"] as? String == "egress" && action?["to_dev"] as? String == "ifb-vp0")

            // Applying again changes nothing.
            #expect(try await qos.apply(definition, port: "vp0").isEmpty)
            #expect(try await qos.pendingChanges(definition, port: "vp0").isEmpty)

            // Shaping, measured where the traffic arrives.
            let outbound = try await IPerf3.measure(receiver: host, sender: guest, senderAddress: "10.77.0.2")
            print("bandwidth: guest outbound limited to 100 Mbit/s: \(outbound)")
            #expect(outbound.isWithin(0.10, of: 100))
            let inbound = try await IPerf3.measure(receiver: guest, sender: host, senderAddress: "10.77.0.1")
            print("bandwidth: guest inbound limited to 50 Mbit/s: \(inbound)")
            #expect(inbound.isWithin(0.10, of: 50))

            // Clearing removes every Patchbay object, the IFB included.
            let cleared = try await qos.apply(nil, port: "vp0")
            #expect(cleared == [.deleteRoot(device: "vp0"), .deleteIngress(device: "vp0"), .deleteIFB(name: "ifb-vp0")])
            #expect(try session.link(named: "ifb-vp0") == nil)
            #expect(try session.qdiscs(interfaceIndex: port.index).allSatisfy { $0.kind != "htb" && $0.kind != "ingress" })
            #expect(try await qos.apply(nil, port: "vp0").isEmpty)
        }
    }

    @Test func aLiveRateChangeIsAClassChangeAndKeepsTrafficFlowing() async throws {
        try await Self.withPort { host, guest, session in
            let qos = KernelBandwidth(session: session)
            try await qos.apply(BandwidthDefinition(outbound: BandwidthRate(average: Self.hundredMbit)), port: "vp0")
            let ifbBefore = try #require(try session.link(named: "ifb-vp0"))

            // Start a transfer, wait until the IFB's class has carried traffic, then halve the rate.
            let run = try await IPerf3.startTransfer(receiver: host, sender: guest, senderAddress: "10.77.0.2", seconds: 8)
            try await Self.waitUntil("traffic through the IFB") {
                (try session.classes(interfaceIndex: ifbBefore.index).first?.statistics?.bytes ?? 0) > 30_000_000
            }
            let bytesBefore = try session.classes(interfaceIndex: ifbBefore.index).first?.statistics?.bytes ?? 0
            let steps = try await qos.apply(BandwidthDefinition(outbound: BandwidthRate(average: Self.fiftyMbit)), port: "vp0")
            #expect(steps.count == 1)
            if case .writeClass(let device, .change, let c) = steps.first {
                #expect(device == "ifb-vp0" && c.options.rate == 6_250_000)
            } else {
                Issue.record("expected one class change, got \(steps)")
            }
            // Changed in place: same IFB, same class, counters not reset.
            #expect(try session.link(named: "ifb-vp0")?.index == ifbBefore.index)
            #expect((try session.classes(interfaceIndex: ifbBefore.index).first?.statistics?.bytes ?? 0) >= bytesBefore)
            let intervals = try await run.finish()
            print("bandwidth: live change 100 → 50 Mbit/s, intervals \(intervals.map { Int($0.rounded()) }) Mbit/s")
            #expect(intervals.allSatisfy { $0 > 1 }, "the transfer stalled during the change")
            let after = IPerf3.Measurement(samples: Array(intervals.suffix(6)))
            print("bandwidth: after the change: \(after)")
            #expect(after.isWithin(0.10, of: 50))
        }
    }

    @Test func aFloorIsHonouredUnderContention() async throws {
        try await TestNamespace.with(prefix: "pbqh") { host in
            try await TestNamespace.with(prefix: "pbqa") { g1 in
                try await TestNamespace.with(prefix: "pbqb") { g2 in
                    let session = try NetlinkSession(namespacePath: host.path)
                    try session.createBridge(name: "br0", stp: false, forwardDelaySeconds: 0)
                    try Command.check("ip", ["-n", host.name, "addr", "add", "10.78.0.1/24", "dev", "br0"])
                    try session.setLinkUp(named: "br0")
                    let macs = [MACAddress("52:54:00:78:00:0b")!, MACAddress("52:54:00:78:00:0c")!]
                    for (i, guest) in [g1, g2].enumerated() {
                        try session.createVeth(name: "vp\(i + 1)", peerName: "eth0", peerMAC: macs[i], peerNamespacePath: guest.path)
                        try session.setMaster(named: "vp\(i + 1)", master: "br0")
                        try session.setLinkUp(named: "vp\(i + 1)")
                        try Command.check("ip", ["-n", guest.name, "addr", "add", "10.78.0.\(11 + i)/24", "dev", "eth0"])
                        try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                    }
                    for guest in [g1, g2] {
                        try await Self.waitUntil("the guests answer") { try guest.exec(["ping", "-c", "1", "-W", "1", "10.78.0.1"]).succeeded }
                    }
                    let qos = KernelBandwidth(session: session)
                    let floors = [BandwidthFloor(mac: macs[0], classID: 3, floor: 8_750)]  // 70 Mbit/s
                    let steps = try await qos.applyNetwork(bridge: "br0", bandwidth: BandwidthDefinition(inbound: BandwidthRate(average: Self.hundredMbit)), floors: floors)
                    #expect(steps.count == 5)

                    // Read back: Patchbay's decoders and tc.
                    let bridge = try #require(try session.link(named: "br0"))
                    let classes = try session.classes(interfaceIndex: bridge.index)
                    #expect(Set(classes.map(\.handle.description)) == ["1:1", "1:2", "1:3"])
                    #expect(classes.first { $0.handle.description == "1:2" }?.htb?.rate == 3_750_000)
                    #expect(classes.first { $0.handle.description == "1:3" }?.htb?.rate == 8_750_000)
                    #expect(classes.first { $0.handle.description == "1:3" }?.htb?.ceil == 12_500_000)
                    let rule = try #require(try session.filters(interfaceIndex: bridge.index, parent: TCHandle(major: 1, minor: 0)).first(where: \.isU32Rule))
                    #expect(rule.u32?.selector?.destinationMAC == macs[0] && rule.u32?.classID?.description == "1:3")
                    #expect(rule.protocolNumber == NetlinkConstants.ETH_P_ALL && rule.priority == 2)
                    let tcClasses = try Self.tcClasses(host, "br0")
                    #expect(tcClasses.contains(TCClass(handle: "1:3", parent: "1:1", rateBits: 70_000_000, ceilBits: 100_000_000, burstBytes: 1600)))
                    #expect(tcClasses.contains(TCClass(handle: "1:2", parent: "1:1", rateBits: 30_000_000, ceilBits: 100_000_000, burstBytes: 1600)))
                    let tcFilters = try Self.tcJSON(host, ["filter", "show", "dev", "br0"])
                    let tcRule = try #require(tcFilters.first { ($0["options"] as? [String: Any])?["fh"] as? String == "800::3" })
                    #expect(tcRule["protocol"] as? String == "all" && (tcRule["options"] as? [String: Any])?["flowid"] as? String == "1:3")
                    #expect(try await qos.applyNetwork(bridge: "br0", bandwidth: BandwidthDefinition(inbound: BandwidthRate(average: Self.hundredMbit)), floors: floors).isEmpty)

                    // Both guests receive from the host at once.
                    var runs: [IPerf3.Transfer] = []
                    for guest in [g1, g2] {
                        runs.append(try await IPerf3.startTransfer(receiver: guest, sender: host, senderAddress: "10.78.0.1", seconds: 6,
                                                                   port: guest === g1 ? 5201 : 5202))
                    }
                    var results: [IPerf3.Measurement] = []
                    for run in runs { results.append(IPerf3.Measurement(samples: try await run.finish())) }
                    print("bandwidth: floor 70 of 100 Mbit/s: with the floor \(results[0]), without \(results[1])")
                    #expect(results[0].median >= 63)
                    #expect(results[0].median + results[1].median <= 110)

                    // IPv6 is classified too (libvirt's rule matches IPv4 only): the floor class counts it.
                    try Command.check("ip", ["-n", host.name, "addr", "add", "fd78::1/64", "dev", "br0", "nodad"])
                    try Command.check("ip", ["-n", g1.name, "addr", "add", "fd78::11/64", "dev", "eth0", "nodad"])
                    func floorPackets() throws -> UInt32 {
                        try session.classes(interfaceIndex: bridge.index).first { $0.handle.description == "1:3" }?.statistics?.packets ?? 0
                    }
                    let before = try floorPackets()
                    try await Self.waitUntil("an IPv6 ping") { try host.exec(["ping", "-6", "-c", "1", "-W", "1", "fd78::11"]).succeeded }
                    #expect(try host.exec(["ping", "-6", "-c", "3", "-i", "0.2", "fd78::11"]).succeeded)
                    #expect(try floorPackets() >= before + 3)
                    #expect(try await qos.applyNetwork(bridge: "br0", bandwidth: nil, floors: []) == [.deleteRoot(device: "br0")])
                }
            }
        }
    }

    @Test func overcommittedFloorsAreRefused() async throws {
        try await TestNamespace.with(prefix: "pbqh") { host in
            let session = try NetlinkSession(namespacePath: host.path)
            try session.createBridge(name: "br0", stp: false, forwardDelaySeconds: 0)
            let qos = KernelBandwidth(session: session)
            do {
                try await qos.applyNetwork(bridge: "br0", bandwidth: BandwidthDefinition(inbound: BandwidthRate(average: 1000)),
                                           floors: [BandwidthFloor(mac: MACAddress("52:54:00:00:00:01")!, classID: 3, floor: 600), BandwidthFloor(mac: MACAddress("52:54:00:00:00:02")!, classID: 4, floor: 600)])
                Issue.record("overcommitted floors were applied")
            } catch let error as PatchbayError {
                #expect(error.code == .invalidArgument && error.message.contains("52:54:00:00:00:02") && error.message.contains("1200 KB/s"))
            }
            #expect(try await qos.networkState(bridge: "br0").isHTBTree == false)
        }
    }

    // MARK: - Helpers

    /// A class as tc prints it. tc derives `burst` from the bucket's ticks and the rate, so a
    /// burst reads back a few bytes short of what was asked (1600 as 1592 at 70 Mbit/s): equal
    /// within 1 %.
    struct TCClass: Hashable, CustomStringConvertible {
        var handle: String
        var parent: String
        var rateBits: UInt64
        var ceilBits: UInt64
        var burstBytes: UInt64
        var description: String { "\(handle) parent \(parent) rate \(rateBits) ceil \(ceilBits) burst \(burstBytes)" }

        static func == (a: TCClass, b: TCClass) -> Bool {
            a.handle == b.handle && a.parent == b.parent && a.rateBits == b.rateBits && a.ceilBits == b.ceilBits
                && abs(Double(a.burstBytes) - Double(b.burstBytes)) <= 0.01 * Double(max(a.burstBytes, b.burstBytes))
        }

        func hash(into hasher: inout Hasher) { hasher.combine(handle) }
    }

    static func tcJSON(_ ns: TestNamespace, _ arguments: [String]) throws -> [[String: Any]] {
        let result = try ns.exec(["tc", "-j"] + arguments)
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    /// `tc -j class show dev DEV`. iproute2 6.1 prints HTB classes as text even with -j, so
    /// the text form is read when the output is not JSON.
    static func tcClasses(_ ns: TestNamespace, _ device: String) throws -> [TCClass] {
        let result = try ns.exec(["tc", "-j", "class", "show", "dev", device])
        if let objects = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] {
            return objects.map { o in
                let options = o["options"] as? [String: Any] ?? [:]
                return TCClass(handle: o["handle"] as? String ?? "", parent: (o["parent"] as? String) ?? (o["root"] != nil ? "root" : ""),
                               rateBits: ((options["rate"] as? NSNumber)?.uint64Value ?? 0) * 8,
                               ceilBits: ((options["ceil"] as? NSNumber)?.uint64Value ?? 0) * 8,
                               burstBytes: (options["burst"] as? NSNumber)?.uint64Value ?? 0)
            }
        }
        return result.stdout.split(whereSeparator: \.isNewline).compactMap { line -> TCClass? in
            let words = line.split(separator: " ").map(String.init)
            guard words.count > 3, words[0] == "class" else { return nil }
            func after(_ key: String) -> String? { words.firstIndex(of: key).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil } }
            let parent = words.contains("root") ? "root" : after("parent") ?? ""
            return TCClass(handle: words[2], parent: parent, rateBits: parseUnits(after("rate"), bits: true),
                           ceilBits: parseUnits(after("ceil"), bits: true), burstBytes: parseUnits(after("burst"), bits: false))
        }
    }

    /// "50Mbit" → 50,000,000; "64Kb" → 65,536 (tc prints rates in powers of 1000, sizes of 1024).
    static func parseUnits(_ text: String?, bits: Bool) -> UInt64 {
        guard let text, let split = text.firstIndex(where: { !$0.isNumber && $0 != "." }), let value = Double(text[..<split]) else { return 0 }
        let unit = text[split...].lowercased()
        let base: Double = bits ? 1000 : 1024
        let scale: Double = switch unit.first {
        case "k": base
        case "m": base * base
        case "g": base * base * base
        default: 1
        }
        return UInt64(value * scale)
    }

    /// Throughput samples in Mbit/s; the median is the statistic, the range is reported.
    static func waitUntil(_ what: String, timeout: Double = 15, _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("timed out waiting for \(what)")
    }
}
