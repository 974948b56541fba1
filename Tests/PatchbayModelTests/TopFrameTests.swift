import Foundation
import PatchbayModel
import Testing

/// `patchbay top`'s rates, order and screen, from samples made up here.
@Suite struct TopFrameTests {
    static let macA = MACAddress("52:54:00:00:00:0a")!
    static let macB = MACAddress("52:54:00:00:00:0b")!

    static func port(_ uuid: String, owner: String, mac: MACAddress = macA, index: Int32 = 10, rx: UInt64, tx: UInt64,
                     drops: UInt64 = 0, ip: String? = nil, state: PortState? = .forwarding) -> PortStats {
        PortStats(uuid: uuid, device: "vnet-\(owner)", owner: owner, mac: mac, ip: ip, type: .veth, state: state, interfaceIndex: index,
                  counters: PortCounters(rxBytes: rx, rxPackets: rx / 100, rxDrops: drops, txBytes: tx, txPackets: tx / 100, txDrops: 1))
    }

    static func snapshot(at ms: Int64, dhcp: UInt64 = 0, dns: UInt64 = 0, _ ports: [PortStats], network: String = "lab") -> StatsSnapshot {
        StatsSnapshot(monotonicMilliseconds: ms, time: 1_700_000_000_000 + ms,
                      networks: [NetworkStats(name: network, active: true, dhcpRequests: dhcp, dnsQueries: dns, ports: ports)])
    }

    // MARK: counters

    @Test func deltasOfGrowingCountersWrapsAndResets() {
        #expect(CounterRate.delta(from: 100, to: 250) == 150)
        #expect(CounterRate.delta(from: 7, to: 7) == 0)
        // A 32-bit counter that wrapped: from near 2^32 to a small value.
        #expect(CounterRate.delta(from: 4_294_967_000, to: 200) == 296 + 200)
        // A counter that started again (device remade, daemon restarted): no difference.
        #expect(CounterRate.delta(from: 1_000, to: 10) == nil)
        #expect(CounterRate.delta(from: 10_000_000_000, to: 5) == nil)
        #expect(CounterRate.delta(from: 3_000_000_000, to: 3_000_000_001 - 2_999_999_999) == 1_294_967_298)
    }

    @Test func ratesNeedAnEarlierSampleAndTime() {
        #expect(CounterRate.perSecond(from: nil, to: 100, seconds: 1) == nil)
        #expect(CounterRate.perSecond(from: 100, to: nil, seconds: 1) == nil)
        #expect(CounterRate.perSecond(from: 100, to: 300, seconds: 0) == nil)
        #expect(CounterRate.perSecond(from: 100, to: 300, seconds: 2) == 100)
        #expect(CounterRate.perSecond(from: 300, to: 100, seconds: 2) == nil)
    }

    // MARK: frames

    @Test func theFirstSampleHasNoRates() {
        let frame = TopFrame(previous: nil, current: Self.snapshot(at: 1000, dhcp: 4, dns: 9, [Self.port("a", owner: "vm1", rx: 500, tx: 600)]))
        #expect(frame.intervalSeconds == nil)
        #expect(frame.ports.count == 1)
        #expect(frame.ports[0].rxBytesPerSecond == nil && frame.ports[0].txBytesPerSecond == nil)
        #expect(frame.ports[0].rxBytes == 500 && frame.ports[0].drops == 1)
        #expect(frame.networks == [TopNetwork(name: "lab", active: true, dhcpRequests: 4, dnsQueries: 9)])
    }

    @Test func ratesOverTheIntervalBetweenSamples() {
        let first = Self.snapshot(at: 1000, dhcp: 4, dns: 10, [Self.port("a", owner: "vm1", rx: 1000, tx: 2000, drops: 2)])
        let second = Self.snapshot(at: 3000, dhcp: 6, dns: 30, [Self.port("a", owner: "vm1", rx: 5000, tx: 2400, drops: 5, ip: "10.0.0.5")])
        let frame = TopFrame(previous: first, current: second)
        #expect(frame.intervalSeconds == 2)
        let port = frame.ports[0]
        #expect(port.rxBytesPerSecond == 2000)
        #expect(port.txBytesPerSecond == 200)
        #expect(port.rxPacketsPerSecond == 20)
        #expect(port.drops == 6)
        #expect(port.ip == "10.0.0.5")
        #expect(port.mac == "52:54:00:00:00:0a")
        #expect(port.state == "forwarding")
        #expect(frame.networks[0].dhcpRequestsPerSecond == 1)
        #expect(frame.networks[0].dnsQueriesPerSecond == 10)
    }

    @Test func aRemadeDeviceOrARestartedDaemonHasNoRateThisTick() {
        let first = Self.snapshot(at: 1000, dhcp: 50, [Self.port("a", owner: "vm1", index: 10, rx: 1000, tx: 1000),
                                                       Self.port("b", owner: "vm2", index: 11, rx: 1000, tx: 1000)])
        // vm1's device has another index (remade, counters from zero); vm2's counters went back.
        let second = Self.snapshot(at: 2000, dhcp: 3, [Self.port("a", owner: "vm1", index: 12, rx: 100, tx: 100),
                                                       Self.port("b", owner: "vm2", index: 11, rx: 10, tx: 1500)])
        let frame = TopFrame(previous: first, current: second, sort: .name)
        #expect(frame.ports[0].owner == "vm1")
        #expect(frame.ports[0].rxBytesPerSecond == nil && frame.ports[0].txBytesPerSecond == nil)
        #expect(frame.ports[1].rxBytesPerSecond == nil)
        #expect(frame.ports[1].txBytesPerSecond == 500)
        #expect(frame.networks[0].dhcpRequestsPerSecond == nil)
    }

    @Test func samplesOutOfOrderOrAtTheSameInstantHaveNoRates() {
        let a = Self.snapshot(at: 5000, [Self.port("a", owner: "vm1", rx: 1000, tx: 1000)])
        let b = Self.snapshot(at: 5000, [Self.port("a", owner: "vm1", rx: 2000, tx: 1000)])
        #expect(TopFrame(previous: a, current: b).intervalSeconds == nil)
        #expect(TopFrame(previous: a, current: b).ports[0].rxBytesPerSecond == nil)
        let earlier = Self.snapshot(at: 4000, [Self.port("a", owner: "vm1", rx: 0, tx: 0)])
        #expect(TopFrame(previous: a, current: earlier).ports[0].rxBytesPerSecond == nil)
    }

    @Test func aNewPortHasNoRateAndAGonePortIsNotShown() {
        let first = Self.snapshot(at: 0, [Self.port("a", owner: "vm1", rx: 0, tx: 0)])
        let second = Self.snapshot(at: 1000, [Self.port("b", owner: "vm2", mac: Self.macB, rx: 900, tx: 0)])
        let frame = TopFrame(previous: first, current: second)
        #expect(frame.ports.map(\.owner) == ["vm2"])
        #expect(frame.ports[0].rxBytesPerSecond == nil)
    }

    @Test func portsWithoutCountersShowNoRates() {
        var hostdev = Self.port("h", owner: "vf", rx: 0, tx: 0, state: nil)
        hostdev.counters = nil
        hostdev.type = .hostdev
        let frame = TopFrame(previous: Self.snapshot(at: 0, [hostdev]), current: Self.snapshot(at: 1000, [hostdev]))
        #expect(frame.ports[0].rxBytesPerSecond == nil && frame.ports[0].drops == nil && frame.ports[0].state == "-")
    }

    @Test func sortedByTrafficThenName() {
        let first = Self.snapshot(at: 0, [Self.port("a", owner: "quiet", rx: 0, tx: 0), Self.port("b", owner: "sender", rx: 0, tx: 0),
                                          Self.port("c", owner: "receiver", rx: 0, tx: 0), Self.port("d", owner: "also-quiet", rx: 0, tx: 0)])
        let second = Self.snapshot(at: 1000, [Self.port("a", owner: "quiet", rx: 0, tx: 0), Self.port("b", owner: "sender", rx: 100, tx: 9000),
                                              Self.port("c", owner: "receiver", rx: 5000, tx: 100), Self.port("d", owner: "also-quiet", rx: 0, tx: 0)])
        #expect(TopFrame(previous: first, current: second, sort: .total).ports.map(\.owner) == ["sender", "receiver", "also-quiet", "quiet"])
        #expect(TopFrame(previous: first, current: second, sort: .rx).ports.map(\.owner) == ["receiver", "sender", "also-quiet", "quiet"])
        #expect(TopFrame(previous: first, current: second, sort: .tx).ports.map(\.owner) == ["sender", "receiver", "also-quiet", "quiet"])
        #expect(TopFrame(previous: first, current: second, sort: .name).ports.map(\.owner) == ["also-quiet", "quiet", "receiver", "sender"])
        // Without rates (a first sample) traffic sorts fall back to names.
        #expect(TopFrame(previous: nil, current: second).ports.map(\.owner) == ["also-quiet", "quiet", "receiver", "sender"])
    }

    @Test func portsOfSeveralNetworksKeepTheirNetwork() {
        let a = StatsSnapshot(monotonicMilliseconds: 0, time: 0, networks: [
            NetworkStats(name: "lab", active: true, ports: [Self.port("a", owner: "vm1", rx: 0, tx: 0)]),
            NetworkStats(name: "prod", active: true, ports: [Self.port("a", owner: "vm1", rx: 0, tx: 0)]),
        ])
        var b = a
        b.monotonicMilliseconds = 1000
        b.networks[1].ports[0].counters?.rxBytes = 800
        let frame = TopFrame(previous: a, current: b)
        #expect(frame.ports.map(\.network) == ["prod", "lab"])
        #expect(frame.ports[0].rxBytesPerSecond == 800 && frame.ports[1].rxBytesPerSecond == 0)
    }

    @Test func theFrameIsJSONForScripts() throws {
        let frame = TopFrame(previous: Self.snapshot(at: 0, [Self.port("a", owner: "vm1", rx: 0, tx: 0)]),
                             current: Self.snapshot(at: 1000, [Self.port("a", owner: "vm1", rx: 10, tx: 20)]))
        let decoded = try JSONDecoder().decode(TopFrame.self, from: try JSONEncoder().encode(frame))
        #expect(decoded == frame)
        let object = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(frame)) as? [String: Any])
        let ports = try #require(object["ports"] as? [[String: Any]])
        #expect(ports[0]["owner"] as? String == "vm1")
        #expect(ports[0]["rxBytesPerSecond"] as? Double == 10)
    }

    // MARK: units

    @Test(arguments: [
        (nil, "-"), (0.0, "0b"), (1.0, "8b"), (124.9, "999b"), (125.0, "1.00Kb"), (1_234.0, "9.87Kb"), (1_250.0, "10.0Kb"),
        (12_345.0, "98.8Kb"), (124_000.0, "992Kb"), (124_999.0, "1.00Mb"), (1_000_000.0, "8.00Mb"), (125_000_000.0, "1.00Gb"),
        (3.0e12, "24.0Tb"), (1.0e18, "8000Pb"), (-1.0, "-"), (Double.infinity, "-"), (Double.nan, "-"),
    ] as [(Double?, String)])
    func bitsAsIftopShowsThem(_ bytes: Double?, _ text: String) {
        #expect(TopRenderer.bits(bytes) == text)
    }

    @Test func fixedPointWithoutFoundation() {
        #expect(TopRenderer.fixed(0, decimals: 1) == "0.0")
        #expect(TopRenderer.fixed(0.05, decimals: 2) == "0.05")
        #expect(TopRenderer.fixed(12.345, decimals: 1) == "12.3")
        #expect(TopRenderer.fixed(9.999, decimals: 2) == "10.00")
        #expect(TopRenderer.fixed(-1.5, decimals: 1) == "-1.5")
        #expect(TopRenderer.fixed(42.4, decimals: 0) == "42")
        #expect(TopRenderer.rate(nil) == "-")
        #expect(TopRenderer.rate(2.25) == "2.3" || TopRenderer.rate(2.25) == "2.2")
    }

    // MARK: screen

    static var busyFrame: TopFrame {
        let first = snapshot(at: 0, dhcp: 0, dns: 0, [port("a", owner: "web-frontend-01", mac: macA, rx: 0, tx: 0),
                                                      port("b", owner: "db", mac: macB, index: 11, rx: 0, tx: 0)])
        let second = snapshot(at: 1000, dhcp: 2, dns: 15, [
            port("a", owner: "web-frontend-01", mac: macA, rx: 125_000, tx: 2_500_000, drops: 3, ip: "192.168.100.10"),
            port("b", owner: "db", mac: macB, index: 11, rx: 10, tx: 0, ip: "192.168.100.11", state: .disabled),
        ])
        return TopFrame(previous: first, current: second)
    }

    @Test func theScreenAtFullWidth() {
        let lines = TopRenderer.render(Self.busyFrame, width: 160, clock: "12:00:00")
        #expect(lines == [
            "patchbay top - 12:00:00 - 1 network, 2 ports - sorted by total",
            "lab: DHCP 2.0 req/s  DNS 15.0 q/s  (2 requests, 15 queries)",
            "",
            "NETWORK  PORT                  OWNER            MAC                IP                RX/s    TX/s  DROPS  STATE",
            "lab      vnet-web-frontend-01  web-frontend-01  52:54:00:00:00:0a  192.168.100.10  1.00Mb  20.0Mb      4  forwarding",
            "lab      vnet-db               db               52:54:00:00:00:0b  192.168.100.11     80b      0b      1  disabled",
        ])
    }

    @Test(arguments: [200, 120, 100, 90, 80, 70, 60, 50, 40, 30, 20, 10])
    func noLineIsWiderThanTheTerminal(_ width: Int) {
        let lines = TopRenderer.render(Self.busyFrame, width: width, clock: "12:00:00")
        for line in lines { #expect(line.count <= max(width, 20), "\(width): \(line)") }
        // The owners and rates survive as long as there is room for them.
        if width >= 60 {
            #expect(lines.contains { $0.contains("db") && $0.contains("80b") })
            #expect(lines.contains { $0.contains("20.0Mb") })
        }
    }

    @Test func narrowTerminalsLoseTheMACFirstThenTheNetwork() {
        let table = TopRenderer.table(Self.busyFrame.ports, width: 100)
        #expect(!table[0].contains("MAC"))
        #expect(table[0].contains("NETWORK") && table[0].contains("IP"))
        let narrower = TopRenderer.table(Self.busyFrame.ports, width: 80)
        #expect(!narrower[0].contains("MAC") && !narrower[0].contains("NETWORK"))
        #expect(narrower[0].contains("OWNER") && narrower[0].contains("RX/s") && narrower[0].contains("STATE"))
        let narrowest = TopRenderer.table(Self.busyFrame.ports, width: 40)
        #expect(narrowest[0].hasPrefix("PORT"))
        #expect(!narrowest[0].contains("IP") && !narrowest[0].contains("DROPS"))
        // Owners are shortened, marked with ~, before anything is cut.
        #expect(narrowest.contains { $0.contains("~") })
    }

    @Test func heightLimitsTheRowsAndTheFirstFrameSaysItIsMeasuring() {
        let lines = TopRenderer.render(Self.busyFrame, width: 160, height: 5)
        #expect(lines.count == 5)
        #expect(lines.last?.contains("web-frontend-01") == true)
        let first = TopRenderer.render(TopFrame(previous: nil, current: Self.snapshot(at: 0, [])), width: 80)
        #expect(first[0] == "patchbay top - 1 network, 0 ports - sorted by total - measuring...")
        #expect(first[1] == "lab: DHCP - req/s  DNS - q/s  (0 requests, 0 queries)")
        #expect(first.last == "NETWORK  PORT  OWNER  MAC  IP  RX/s  TX/s  DROPS  STATE")
    }

    @Test func theLatestEventsGoUnderTheNetworksAndTakeRowsAway() {
        let events = ["12:00:01 port-created: port vnet2 of vm3 created", "12:00:02 loop-cut: port vnet1 of db disabled"]
        let lines = TopRenderer.render(Self.busyFrame, width: 160, height: 7, events: events)
        #expect(lines[2] == "event 12:00:01 port-created: port vnet2 of vm3 created")
        #expect(lines[3] == "event 12:00:02 loop-cut: port vnet1 of db disabled")
        #expect(lines[4] == "" && lines[5].hasPrefix("NETWORK"))
        #expect(lines.count == 7 && lines[6].contains("web-frontend-01"))
    }

    @Test func anInactiveNetworkSaysSo() {
        let snapshot = StatsSnapshot(monotonicMilliseconds: 0, time: 0, networks: [NetworkStats(name: "off", active: false)])
        #expect(TopRenderer.render(TopFrame(previous: nil, current: snapshot), width: 80)[1] == "off: inactive")
    }
}
