import NetlinkWire
import PatchbayKernel
import PatchbayModel
import Testing

/// `BandwidthPlan` and `BandwidthSteps`: libvirt's `<bandwidth>` as tc objects, and the fewest
/// changes from what a device has. Pure; no namespace.
@Suite struct BandwidthPlanTests {
    private let oneOne = TCHandle(major: 1, minor: 1)
    private let root = HTBTreePlan.qdiscHandle

    @Test func unitsAreTcs() {
        // libvirt writes `%llukbps` and `%llukb`; iproute2 reads kbps as 1000 B/s and kb as 1024 B.
        #expect(BandwidthPlan.bytesPerSecond(kilobytesPerSecond: 12_500) == 12_500_000)  // 100 Mbit/s
        #expect(BandwidthPlan.burstBytes(kilobytes: 64) == 65_536)
        #expect(BandwidthPlan.bytesPerSecond(kilobytesPerSecond: UInt64.max) == nil)
        // libvirt's quantum: average × 1024 / 8 / 1500, at least 1.
        #expect(BandwidthPlan.quantum(kilobytesPerSecond: 12_500) == 1066)
        #expect(BandwidthPlan.quantum(kilobytesPerSecond: 1) == 1)
        #expect(BandwidthPlan.quantum(kilobytesPerSecond: 0) == 1)
    }

    @Test func ifbNamesFitAndAreStable() {
        #expect(BandwidthPlan.ifbName(forPort: "vnet0") == "ifb-vnet0")
        #expect(BandwidthPlan.ifbName(forPort: "vnet1234567") == "ifb-vnet1234567")
        let long = BandwidthPlan.ifbName(forPort: "vethguest12345")
        #expect(long.count == 15 && long.hasPrefix("ifb-"))
        #expect(long == BandwidthPlan.ifbName(forPort: "vethguest12345"))
        #expect(long != BandwidthPlan.ifbName(forPort: "vethguest12346"))
        // FNV-1a 64 of "vethguest12345", first 11 hex digits: the same in every process.
        #expect(long == "ifb-" + String(fnv("vethguest12345"), radix: 16).leftPadded(16).prefix(11))
    }

    private func fnv(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }

    @Test func inboundIsAnHTBClassOnTheDevicesEgress() throws {
        let plan = try BandwidthPlan.port(BandwidthDefinition(inbound: BandwidthRate(average: 6250, peak: 12500, burst: 256)), device: "vnet0")
        #expect(plan.ingress == nil && plan.ifb == "ifb-vnet0")
        let tree = try #require(plan.egress)
        #expect(tree.defaultClass == 1 && tree.macFilters.isEmpty && tree.classes.count == 1)
        let c = tree.classes[0]
        #expect(c.handle == oneOne && c.parent == root)
        #expect(c.options.rate == 6_250_000 && c.options.ceil == 12_500_000)
        #expect(c.options.burstBytes == 262_144 && c.options.quantum == 533)
        // tc's default cburst (no cburst in libvirt's command): 1600 bytes at the ceil.
        #expect(c.options.cburstBytes == 1600)
    }

    @Test func withoutPeakTheCeilIsTheAverageAndBurstIsTcsDefault() throws {
        let plan = try BandwidthPlan.port(BandwidthDefinition(inbound: BandwidthRate(average: 1000)), device: "vnet0")
        let options = try #require(plan.egress?.classes.first?.options)
        #expect(options.ceil == options.rate && options.burstBytes == 1600 && options.cburstBytes == 1600)
    }

    @Test func outboundIsTheSameTreeOnTheIFB() throws {
        let plan = try BandwidthPlan.port(BandwidthDefinition(outbound: BandwidthRate(average: 12500, peak: 25000)), device: "vnet3")
        #expect(plan.egress == nil)
        let tree = try #require(plan.ingress)
        #expect(tree.defaultClass == 1 && tree.classes.first?.options.rate == 12_500_000 && tree.classes.first?.options.ceil == 25_000_000)
    }

    @Test func emptyDefinitionsPlanNothing() throws {
        #expect(try BandwidthPlan.port(nil, device: "vnet0").isEmpty)
        #expect(try BandwidthPlan.port(BandwidthDefinition(), device: "vnet0").isEmpty)
        // A floor alone shapes nothing on the port (it is the network's).
        #expect(try BandwidthPlan.port(BandwidthDefinition(inbound: BandwidthRate(floor: 100)), device: "vnet0").isEmpty)
    }

    @Test func invalidRatesAreRefusedWithTheNumbers() {
        #expect(throws: BandwidthPlanError.self) {
            try BandwidthPlan.port(BandwidthDefinition(inbound: BandwidthRate(average: 100, peak: 50)), device: "vnet0")
        }
        #expect(throws: BandwidthPlanError.self) {
            try BandwidthPlan.port(BandwidthDefinition(outbound: BandwidthRate(peak: 50)), device: "vnet0")
        }
        do {
            _ = try BandwidthPlan.port(BandwidthDefinition(inbound: BandwidthRate(average: 1, burst: 1_000_000)), device: "vnet0")
            Issue.record("a burst of 1,000,000 KB at 1 KB/s was accepted")
        } catch {
            #expect(error.message.contains("vnet0") && error.message.contains("1000000 KB"))
        }
    }

    @Test func networkFloorsAreClassesAndMACRules() throws {
        let a = MACAddress("52:54:00:00:00:0a")!, b = MACAddress("52:54:00:00:00:0b")!
        let tree = try #require(try BandwidthPlan.network(
            bridge: "virbr1", inbound: BandwidthRate(average: 12500, peak: 15000, burst: 64),
            floors: [.init(mac: a, classID: 3, floor: 8750), .init(mac: b, classID: 4, floor: 1000),
                     .init(mac: MACAddress("52:54:00:00:00:0c")!, classID: 5, floor: 0)]))
        #expect(tree.defaultClass == 2)
        #expect(tree.classes.map(\.handle) == [oneOne, TCHandle(major: 1, minor: 2), TCHandle(major: 1, minor: 3), TCHandle(major: 1, minor: 4)])
        #expect(tree.classes[0].parent == root && tree.classes.dropFirst().allSatisfy { $0.parent == oneOne })
        #expect(tree.classes[0].options.rate == 12_500_000 && tree.classes[0].options.ceil == 15_000_000)
        // 1:2 keeps what the floors leave: 12500 - 8750 - 1000 KB/s; every class may borrow up to the peak.
        #expect(tree.classes[1].options.rate == 2_750_000 && tree.classes[1].options.ceil == 15_000_000)
        #expect(tree.classes[1].options.burstBytes == 65_535)  // 64 KiB in whole ticks at 2.75 MB/s, read back truncated as tc does
        #expect(tree.classes[2].options.rate == 8_750_000 && tree.classes[2].options.ceil == 15_000_000)
        #expect(tree.classes[2].options.quantum == BandwidthPlan.quantum(kilobytesPerSecond: 8750))
        #expect(tree.macFilters == [MACFilterPlan(mac: a, classID: TCHandle(major: 1, minor: 3)),
                                    MACFilterPlan(mac: b, classID: TCHandle(major: 1, minor: 4))])
        #expect(tree.macFilters[0].handle == 0x8000_0003)
    }

    @Test func floorsOverTheAverageNameThePortAndTheNumbers() throws {
        let a = MACAddress("52:54:00:00:00:0a")!, b = MACAddress("52:54:00:00:00:0b")!
        do {
            _ = try BandwidthPlan.network(bridge: "virbr1", inbound: BandwidthRate(average: 10000),
                                          floors: [.init(mac: a, classID: 3, floor: 6000), .init(mac: b, classID: 4, floor: 5000)])
            Issue.record("overcommitted floors were accepted")
        } catch {
            #expect(error.message.contains("52:54:00:00:00:0b") && error.message.contains("5000 KB/s")
                    && error.message.contains("11000 KB/s") && error.message.contains("10000 KB/s") && error.message.contains("virbr1"))
        }
        // Exactly the average is allowed; 1:2 keeps 1 KB/s (HTB refuses a rate of 0).
        let full = try? BandwidthPlan.network(bridge: "virbr1", inbound: BandwidthRate(average: 10000),
                                              floors: [.init(mac: a, classID: 3, floor: 10000)])
        #expect(full?.classes[1].options.rate == 1000)
        // Floors need an inbound average, unique class IDs 3 ... 0xfff and unique MACs.
        #expect(throws: BandwidthPlanError.self) {
            try BandwidthPlan.network(bridge: "br", inbound: nil, floors: [.init(mac: a, classID: 3, floor: 1)])
        }
        #expect(throws: BandwidthPlanError.self) {
            try BandwidthPlan.network(bridge: "br", inbound: BandwidthRate(average: 10), floors: [.init(mac: a, classID: 2, floor: 1)])
        }
        #expect(throws: BandwidthPlanError.self) {
            try BandwidthPlan.network(bridge: "br", inbound: BandwidthRate(average: 10), floors: [.init(mac: a, classID: 0x1000, floor: 1)])
        }
        #expect(throws: BandwidthPlanError.self) {
            try BandwidthPlan.network(bridge: "br", inbound: BandwidthRate(average: 10),
                                      floors: [.init(mac: a, classID: 3, floor: 1), .init(mac: b, classID: 3, floor: 1)])
        }
        #expect(throws: BandwidthPlanError.self) {
            try BandwidthPlan.network(bridge: "br", inbound: BandwidthRate(average: 10),
                                      floors: [.init(mac: a, classID: 3, floor: 1), .init(mac: a, classID: 4, floor: 1)])
        }
        #expect(try BandwidthPlan.network(bridge: "br", inbound: nil, floors: []) == nil)
        #expect(throws: BandwidthPlanError.self) {
            try BandwidthPlan.network(bridge: "br", inbound: BandwidthRate(average: .max),
                                      floors: [.init(mac: a, classID: 3, floor: .max), .init(mac: b, classID: 4, floor: .max)])
        }
    }

    // MARK: Steps

    private func state(of tree: HTBTreePlan) -> HTBTreeState {
        HTBTreeState(rootKind: "htb", rootHandle: root, defaultClass: UInt32(tree.defaultClass), classes: tree.classes,
                     rules: tree.macFilters.map { U32RuleState(handle: $0.handle, priority: 2, classID: $0.classID, destinationMAC: $0.mac) })
    }

    @Test func aFreshDeviceGetsTheWholeTree() throws {
        let plan = try BandwidthPlan.port(BandwidthDefinition(inbound: BandwidthRate(average: 1000)), device: "vnet0")
        let noqueue = HTBTreeState(rootKind: "noqueue", rootHandle: TCHandle(rawValue: 0))
        let steps = BandwidthSteps.tree(device: "vnet0", from: noqueue, to: plan.egress)
        #expect(steps == [.writeRoot(device: "vnet0", .replace, defaultClass: 1), .writeClass(device: "vnet0", .add, plan.egress!.classes[0])])
        // A foreign qdisc with handle 1: goes first: the kernel would not replace it by one of the same handle.
        let foreign = HTBTreeState(rootKind: "tbf", rootHandle: root)
        #expect(BandwidthSteps.tree(device: "vnet0", from: foreign, to: plan.egress).prefix(2)
                == [.deleteRoot(device: "vnet0"), .writeRoot(device: "vnet0", .add, defaultClass: 1)])
    }

    @Test func theSameStateNeedsNoSteps() throws {
        let a = MACAddress("52:54:00:00:00:0a")!
        let tree = try #require(try BandwidthPlan.network(bridge: "br0", inbound: BandwidthRate(average: 12500),
                                                          floors: [.init(mac: a, classID: 3, floor: 8750)]))
        #expect(BandwidthSteps.tree(device: "br0", from: state(of: tree), to: tree).isEmpty)
    }

    @Test func aRateChangeIsAClassChange() throws {
        let before = try #require(try BandwidthPlan.port(BandwidthDefinition(inbound: BandwidthRate(average: 1000)), device: "v").egress)
        let after = try #require(try BandwidthPlan.port(BandwidthDefinition(inbound: BandwidthRate(average: 2000)), device: "v").egress)
        #expect(BandwidthSteps.tree(device: "v", from: state(of: before), to: after) == [.writeClass(device: "v", .change, after.classes[0])])
    }

    @Test func floorsAddedChangedAndRemoved() throws {
        let a = MACAddress("52:54:00:00:00:0a")!, b = MACAddress("52:54:00:00:00:0b")!, c = MACAddress("52:54:00:00:00:0c")!
        let before = try #require(try BandwidthPlan.network(bridge: "br0", inbound: BandwidthRate(average: 12500),
                                                            floors: [.init(mac: a, classID: 3, floor: 5000), .init(mac: b, classID: 4, floor: 1000)]))
        let after = try #require(try BandwidthPlan.network(bridge: "br0", inbound: BandwidthRate(average: 12500),
                                                           floors: [.init(mac: a, classID: 3, floor: 6000), .init(mac: c, classID: 5, floor: 1000)]))
        let steps = BandwidthSteps.tree(device: "br0", from: state(of: before), to: after)
        let byHandle = Dictionary(uniqueKeysWithValues: after.classes.map { ($0.handle, $0) })
        #expect(steps == [
            .writeClass(device: "br0", .change, byHandle[TCHandle(major: 1, minor: 2)]!),  // 12500 - 7000
            .writeClass(device: "br0", .change, byHandle[TCHandle(major: 1, minor: 3)]!),
            .writeClass(device: "br0", .add, byHandle[TCHandle(major: 1, minor: 5)]!),
            .deleteRule(device: "br0", handle: U32Handle.rule(4), priority: 2, ingress: false),
            .writeMACRule(device: "br0", .add, after.macFilters[1]),
            .deleteClass(device: "br0", TCHandle(major: 1, minor: 4)),
        ])
        // A rule whose MAC changed (the guest's MAC was changed) is replaced in place.
        var moved = state(of: after)
        moved.rules[0].destinationMAC = b
        #expect(BandwidthSteps.tree(device: "br0", from: moved, to: after) == [.writeMACRule(device: "br0", .replace, after.macFilters[0])])
        // No inbound any more: the tree goes.
        #expect(BandwidthSteps.tree(device: "br0", from: state(of: after), to: nil) == [.deleteRoot(device: "br0")])
        #expect(BandwidthSteps.tree(device: "br0", from: HTBTreeState(rootKind: "noqueue"), to: nil).isEmpty)
    }

    @Test func outboundBuildsTheIFBThenRedirects() throws {
        let plan = try BandwidthPlan.port(BandwidthDefinition(outbound: BandwidthRate(average: 12500)), device: "vnet0")
        let steps = try BandwidthSteps.port(from: PortBandwidthState(device: "vnet0"), to: plan)
        #expect(steps == [.createIFB(name: "ifb-vnet0", port: "vnet0"), .writeRoot(device: "ifb-vnet0", .replace, defaultClass: 1),
                          .writeClass(device: "ifb-vnet0", .add, plan.ingress!.classes[0]), .addIngress(device: "vnet0"),
                          .writeRedirect(device: "vnet0", .add, ifb: "ifb-vnet0")])
        // In place: nothing to do.
        let ifb = IFBState(name: "ifb-vnet0", index: 9, alias: "patchbay:ifb:vnet0", isUp: true, tree: state(of: plan.ingress!))
        let done = PortBandwidthState(device: "vnet0", hasIngressQdisc: true,
                                      ingressRules: [U32RuleState(handle: U32Handle.rule(1), priority: 1, matchesAll: true, redirectIndex: 9)],
                                      ifb: ifb)
        #expect(try BandwidthSteps.port(from: done, to: plan).isEmpty)
        // A redirect to another index (the IFB was made again) is replaced.
        var stale = done
        stale.ingressRules[0].redirectIndex = 4
        #expect(try BandwidthSteps.port(from: stale, to: plan) == [.writeRedirect(device: "vnet0", .replace, ifb: "ifb-vnet0")])
        // Removing the outbound takes the ingress qdisc and the IFB.
        let none = try BandwidthPlan.port(nil, device: "vnet0")
        #expect(try BandwidthSteps.port(from: done, to: none) == [.deleteIngress(device: "vnet0"), .deleteIFB(name: "ifb-vnet0")])
        // Someone else's ingress rules and IFB stay.
        let foreign = PortBandwidthState(device: "vnet0", hasIngressQdisc: true,
                                         ingressRules: [U32RuleState(handle: U32Handle.rule(5), priority: 7, matchesAll: true)],
                                         ifb: IFBState(name: "ifb-vnet0", index: 9, alias: nil, isUp: true, tree: .empty))
        #expect(try BandwidthSteps.port(from: foreign, to: none).isEmpty)
        #expect(throws: BandwidthPlanError.self) { try BandwidthSteps.port(from: foreign, to: plan) }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
