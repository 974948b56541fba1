import PatchbayModel
import Testing

@Suite("Event journal, trackers and filters")
struct EventJournalTests {
    static func event(_ type: EventType = .networkDefined, network: String? = "lab") -> PatchbayEvent {
        PatchbayEvent(type: type, network: network, message: "\(type.rawValue)")
    }

    @Test func idsGrowAndTheTimeIsStamped() {
        var journal = EventJournal(capacity: 4)
        #expect(journal.lastID == 0 && journal.firstID == nil)
        let first = journal.append(Self.event(), time: 1000)
        let second = journal.append(Self.event(.networkStarted), time: 2000)
        #expect(first.id == 1 && first.time == 1000 && second.id == 2 && second.time == 2000)
        #expect(first.severity == .info && PatchbayEvent(type: .fdbMoved, message: "").severity == .warning)
        #expect(journal.after(0).events.map(\.id) == [1, 2])
        #expect(journal.after(1).events.map(\.id) == [2])
        #expect(journal.after(2).events.isEmpty && journal.after(2).next == 2)
    }

    @Test func aFullJournalDropsTheOldestAndCountsWhatAReaderMissed() {
        var journal = EventJournal(capacity: 3)
        for _ in 0..<7 { journal.append(Self.event(), time: 0) }
        #expect(journal.count == 3 && journal.firstID == 5 && journal.lastID == 7)
        #expect(journal.all.map(\.id) == [5, 6, 7])
        let behind = journal.after(0)
        #expect(behind.missed == 4 && behind.events.map(\.id) == [5, 6, 7] && behind.next == 7)
        let justBehind = journal.after(4)
        #expect(justBehind.missed == 0 && justBehind.events.map(\.id) == [5, 6, 7])
        let inside = journal.after(5)
        #expect(inside.missed == 0 && inside.events.map(\.id) == [6, 7])
        // A cursor from the future (a state directory reset) sees nothing, and misses nothing.
        #expect(journal.after(99).events.isEmpty && journal.after(99).missed == 0)
    }

    @Test func aLimitedReadResumesWhereItStopped() {
        var journal = EventJournal(capacity: 10)
        for _ in 0..<5 { journal.append(Self.event(), time: 0) }
        let part = journal.after(0, limit: 2)
        #expect(part.events.map(\.id) == [1, 2] && part.next == 2)
        #expect(journal.after(part.next, limit: 2).events.map(\.id) == [3, 4])
    }

    @Test func aFilterSkipsButTheCursorPassesWhatItSkipped() {
        var journal = EventJournal(capacity: 10)
        journal.append(Self.event(.networkDefined, network: "a"), time: 0)
        journal.append(Self.event(.leaseGranted, network: "b"), time: 0)
        journal.append(Self.event(.leaseRenewed, network: "a"), time: 0)
        let leasesOfA = EventFilter(network: "a", types: EventType.matching("lease"))
        let read = journal.after(0, matching: leasesOfA)
        #expect(read.events.map(\.id) == [3] && read.next == 3)
        let none = journal.after(0, matching: EventFilter(network: "c"))
        #expect(none.events.isEmpty && none.next == 3)
    }

    @Test func restoringGoesOnFromTheNewestStoredID() {
        let stored = (10...14).map { PatchbayEvent(id: UInt64($0), time: 0, type: .portCreated, message: "") }
        var journal = EventJournal(capacity: 3, restoring: stored.reversed())
        #expect(journal.all.map(\.id) == [12, 13, 14])
        #expect(journal.append(Self.event(), time: 0).id == 15)
    }

    /// A store that lost rows (an unreadable one, a failed flush) restores with a hole in its
    /// ids: only the newest run without one is kept, and ids go on after the newest; a cursor
    /// from before the hole, or from beyond the newest id, reads without a trap.
    @Test func aRestoredHoleKeepsTheNewestRunAndEveryCursorReads() {
        let ids: [UInt64] = [1, 2, 3, 7, 8, 9]
        var journal = EventJournal(capacity: 10, restoring: ids.map { PatchbayEvent(id: $0, time: 0, type: .portCreated, message: "") })
        #expect(journal.all.map(\.id) == [7, 8, 9])
        for cursor in UInt64(0)...12 { _ = journal.after(cursor) }
        #expect(journal.after(3).missed == 3 && journal.after(3).events.map(\.id) == [7, 8, 9])
        #expect(journal.after(50).events.isEmpty && journal.after(50).next == 9)
        #expect(journal.append(Self.event(), time: 0).id == 10)
    }

    @Test func typeWordsNameTypesOrCategories() throws {
        #expect(try EventFilter(network: nil, typeWords: []).types == nil)
        #expect(try EventFilter(network: nil, typeWords: ["fdb"]).types == [.fdbLearned, .fdbMoved, .fdbAged])
        #expect(try EventFilter(network: nil, typeWords: ["lease-granted,loop"]).types == [.leaseGranted, .loopCut, .loopRestored])
        #expect(throws: PatchbayError.self) { try EventFilter(network: nil, typeWords: ["lease-stolen"]) }
        do {
            _ = try EventFilter(network: nil, typeWords: ["x"])
        } catch {
            #expect(error.message.contains("unknown event type 'x'") && error.message.contains("fdb"))
        }
        for type in EventType.allCases { #expect(EventType.matching(type.rawValue) == [type]) }
    }

    @Test func fdbTrackerTellsLearnedMovedRefreshedAndAged() throws {
        let mac = try #require(MACAddress("52:54:00:00:00:01"))
        var fdb = FDBTracker()
        let key = FDBTracker.Key(bridge: 3, mac: mac, vlan: nil)
        #expect(fdb.seen(key, on: 7) == .learned(port: 7))
        #expect(fdb.seen(key, on: 7) == nil)
        #expect(fdb.seen(key, on: 8) == .moved(from: 7, to: 8))
        // The same MAC on another VLAN is another entry.
        #expect(fdb.seen(FDBTracker.Key(bridge: 3, mac: mac, vlan: 10), on: 7) == .learned(port: 7))
        #expect(fdb.removed(key, from: 8) == .aged(port: 8))
        #expect(fdb.removed(key, from: 8) == nil)
        fdb.forget(bridge: 3)
        #expect(fdb.count == 0)
    }

    @Test func linkTrackerReportsOnlyWhatChanged() {
        var links = LinkTracker()
        let up = LinkTracker.State(carrier: true, up: true, mtu: 1500, master: 4)
        #expect(links.update(index: 9, to: up).isEmpty)
        #expect(links.update(index: 9, to: up).isEmpty)
        var down = up
        down.carrier = false
        #expect(links.update(index: 9, to: down) == [.carrierDown])
        var moved = down
        moved.carrier = true
        moved.mtu = 9000
        moved.master = nil
        #expect(links.update(index: 9, to: moved) == [.carrierUp, .changed("mtu 1500 → 9000, left its master")])
        links.remove(index: 9)
        #expect(links.update(index: 9, to: up).isEmpty)
    }
}

@Suite("Doctor rules")
struct DoctorRulesTests {
    static func lab(_ change: (inout DoctorFacts.NetworkFacts) -> Void = { _ in }) -> DoctorFacts {
        var facts = DoctorFacts()
        facts.ipv4Forwarding = true
        facts.defaultRouteDevice = "eth0"
        facts.dnsUpstreams = [.init(address: "192.0.2.53", failure: nil, isOwn: false)]
        var network = DoctorFacts.NetworkFacts(name: "lab", forwardMode: .nat, active: true)
        network.bridge = "virbr1"
        network.bridgeMTU = 1500
        network.servesDHCP = true
        network.poolSize = 10
        network.leases = 1
        network.dhcpAnswered = true
        var port = DoctorFacts.PortFacts(device: "vnet0", owner: "vm1", mac: "52:54:00:00:00:01")
        port.carrier = true
        port.mtu = 1500
        port.bridgeState = "forwarding"
        port.hasLease = true
        network.ports = [port]
        change(&network)
        facts.networks = [network]
        return facts
    }

    static func status(_ id: String, _ facts: DoctorFacts) -> DoctorCheck.Status? {
        DoctorRules.evaluate(facts).checks.first { $0.id == id }?.status
    }

    @Test func aHealthyNetworkIsClean() {
        let report = DoctorRules.evaluate(Self.lab())
        #expect(report.exitCode == 0 && report.problems.isEmpty, "\(report.problems)")
    }

    @Test func eachFaultIsNamedWithItsSeverity() {
        var facts = Self.lab()
        facts.ipv4Forwarding = false
        #expect(Self.status("ip-forwarding", facts) == .error && DoctorRules.evaluate(facts).exitCode == 3)
        facts = Self.lab()
        facts.defaultRouteDevice = nil
        #expect(Self.status("upstream", facts) == .error)
        facts = Self.lab { $0.forwardDevice = "eth9"; $0.forwardDeviceUp = nil }
        #expect(Self.status("upstream", facts) == .error)
        facts = Self.lab()
        facts.foreignDrops = [.init(chain: "ip filter FORWARD", reason: "policy drop", openedFor: [])]
        facts.bridgeNFCallIptables = true
        #expect(Self.status("foreign-forward-chain", facts) == .error && Self.status("bridge-netfilter", facts) == .error)
        facts.foreignDrops[0].openedFor = ["virbr1"]
        #expect(Self.status("foreign-forward-chain", facts) == .ok && Self.status("bridge-netfilter", facts) == .ok)
        facts = Self.lab()
        facts.dnsUpstreams = [.init(address: "10.0.0.1", failure: nil, isOwn: true)]
        #expect(Self.status("dns-upstream", facts) == .error)
        facts.dnsUpstreams = [.init(address: "192.0.2.1", failure: "timed out", isOwn: false), .init(address: "192.0.2.2", failure: nil, isOwn: false)]
        #expect(Self.status("dns-upstream", facts) == .warning && DoctorRules.evaluate(facts).exitCode == 4)
        #expect(Self.status("dhcp-answers", Self.lab { $0.dhcpAnswered = false }) == .error)
        #expect(Self.status("dhcp-pool", Self.lab { $0.leases = 10 }) == .error)
        #expect(Self.status("dhcp-pool", Self.lab { $0.leases = 9 }) == .warning)
        #expect(Self.status("mtu", Self.lab { $0.ports[0].mtu = 1400 }) == .error)
        #expect(Self.status("mtu", Self.lab { $0.bridgeMTU = 1400; $0.ports[0].mtu = 1400 }) == .error)
        #expect(Self.status("port-carrier", Self.lab { $0.ports[0].carrier = false }) == .warning)
        #expect(Self.status("port-state", Self.lab { $0.ports[0].carrier = false; $0.ports[0].bridgeState = "disabled" }) == .skipped)
        #expect(Self.status("port-state", Self.lab { $0.ports[0].bridgeState = "blocking" }) == .error)
        #expect(Self.status("port-state", Self.lab { $0.ports[0].bridgeState = "learning" }) == .warning)
        #expect(Self.status("guest-lease", Self.lab { $0.ports[0].hasLease = false }) == .warning)
        #expect(Self.status("duplicate-ip", Self.lab { $0.duplicates = [.init(ip: "10.0.0.5", macs: ["a", "b"])] }) == .error)
        #expect(Self.status("vlan", Self.lab { $0.definedVLANs = [10]; $0.vlanFiltering = false }) == .error)
        #expect(Self.status("vlan", Self.lab { $0.definedVLANs = [10, 20]; $0.vlanFiltering = true; $0.ports[0].vlans = [10] }) == .warning)
        facts = Self.lab()
        facts.recentMoves = [PatchbayEvent(type: .fdbMoved, network: "lab", mac: "52:54:00:00:00:09", message: "moved")]
        #expect(Self.status("mac-flapping", facts) == .warning)
    }

    @Test func aStoppedNetworkIsOnlyNoted() {
        var facts = Self.lab()
        facts.networks[0].active = false
        let report = DoctorRules.evaluate(facts)
        #expect(report.checks.first { $0.id == "network-active" }?.status == .skipped)
        #expect(report.checks.first { $0.id == "ip-forwarding" }?.status == .skipped)
        #expect(!report.checks.contains { $0.id == "mtu" })
    }
}
