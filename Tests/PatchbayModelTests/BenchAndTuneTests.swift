import PatchbayModel
import Testing

/// The pure parts of `patchbay bench` and `patchbay tune`: the latency statistics, the
/// addresses of temporary namespaces, the request's limits, and every tuning rule.
@Suite struct BenchAndTuneTests {
    @Test func latencyStatisticsUseNearestRanks() {
        // 1..100 µs, shuffled: the median is the 50th sample, p99 the 99th.
        let samples = (1...100).map { UInt64($0) * 1_000 }.reversed()
        let statistics = LatencyStatistics(nanoseconds: Array(samples))
        #expect(statistics.count == 100)
        #expect(statistics.minimum == 1)
        #expect(statistics.median == 50)
        #expect(statistics.p99 == 99)
        #expect(statistics.maximum == 100)
        #expect(statistics.mean == 50.5)
    }

    @Test func latencyStatisticsOfFewSamplesAreSamples() {
        let one = LatencyStatistics(nanoseconds: [7_500])
        #expect(one.median == 7.5 && one.p99 == 7.5)
        let three = LatencyStatistics(nanoseconds: [30_000, 10_000, 20_000])
        #expect(three.median == 20 && three.p99 == 30)
        let none = LatencyStatistics(nanoseconds: [])
        #expect(none.count == 0 && none.median == 0)
    }

    static func ip(_ address: String, prefix: Int, ranges: [(String, String)] = [], hosts: [String] = []) -> IPDefinition {
        var ip = IPDefinition(address: IPAddress(address)!, prefix: prefix)
        ip.dhcp.ranges = ranges.map { DHCPRange(start: IPAddress($0.0)!, end: IPAddress($0.1)!) }
        ip.dhcp.hosts = hosts.map { DHCPHost(ip: IPAddress($0)!) }
        return ip
    }

    @Test func benchAddressesAvoidRangesHostsGatewayAndLeases() throws {
        let ip = Self.ip("10.9.0.1", prefix: 24, ranges: [("10.9.0.100", "10.9.0.252")], hosts: ["10.9.0.254"])
        let picked = try BenchAddressPicker.pick(2, ip: ip, taken: [IPv4Address(10, 9, 0, 253)])
        #expect(picked.map(\.description) == ["10.9.0.99/24", "10.9.0.98/24"])
    }

    @Test func benchAddressesRunOutWithAReason() {
        let ip = Self.ip("10.9.0.1", prefix: 30)  // .1 gateway, .2 the only other host
        #expect(throws: PatchbayError.self) { try BenchAddressPicker.pick(2, ip: ip, taken: []) }
        #expect((try? BenchAddressPicker.pick(1, ip: ip, taken: []))?.map(\.description) == ["10.9.0.2/30"])
        let v6 = IPDefinition(address: IPAddress("fd00::1")!, prefix: 64)
        #expect(throws: PatchbayError.self) { try BenchAddressPicker.pick(1, ip: v6, taken: []) }
    }

    @Test func benchRequestLimits() throws {
        #expect(try BenchRequest().validated().effectiveDuration == 5)
        #expect(try BenchRequest().validated().effectiveStreams == 4)
        for bad in [BenchRequest(duration: 0), BenchRequest(duration: 61), BenchRequest(streams: 0), BenchRequest(streams: 65),
                    BenchRequest(from: ""), BenchRequest(from: "upstream"), BenchRequest(to: "a\u{7}b")] {
            #expect(throws: PatchbayError.self) { try bad.validated() }
        }
        do { _ = try BenchRequest(duration: 61).validated() } catch {
            #expect(error.message == "duration must be from 1 to 60 seconds, not 61")
        }
        #expect(try BenchRequest(to: "upstream", duration: 60, streams: 64).validated().to == "upstream")
    }

    static func readings(_ sysctls: [String: String?], vhost: Bool = false, taps: [TuneReadings.TapQueues] = [],
                         devices: [TuneReadings.DeviceReading] = []) -> TuneReadings {
        TuneReadings(sysctls: sysctls, vhostNet: vhost, taps: taps, devices: devices)
    }

    static func check(_ checks: [TuneCheck], _ name: String) throws -> TuneCheck {
        try #require(checks.first { $0.name == name }, "no check \(name) in \(checks.map(\.name))")
    }

    @Test func sysctlRules() throws {
        let sysctls: [String: String?] = [
            "net.core.rmem_max": "212992", "net.core.wmem_max": "33554432",
            "net.ipv4.tcp_rmem": "4096 131072 6291456", "net.ipv4.tcp_wmem": "4096\t16384\t16777216",
            "net.core.netdev_max_backlog": String?.none,
        ]
        let checks = TuneAdvisor.checks(Self.readings(sysctls))
        let rmem = try Self.check(checks, "sysctl net.core.rmem_max")
        #expect(rmem.status == .advice && rmem.applicable && rmem.current == "212992" && rmem.recommended == "16777216")
        #expect(try Self.check(checks, "sysctl net.core.wmem_max").status == .ok)
        let tcpRmem = try Self.check(checks, "sysctl net.ipv4.tcp_rmem")
        // Only the maximum is raised; the minimum and default stay.
        #expect(tcpRmem.status == .advice && tcpRmem.recommended == "4096 131072 16777216" && tcpRmem.key == "net.ipv4.tcp_rmem")
        let tcpWmem = try Self.check(checks, "sysctl net.ipv4.tcp_wmem")
        #expect(tcpWmem.status == .ok && tcpWmem.current == "4096 16384 16777216" && !tcpWmem.applicable)
        let backlog = try Self.check(checks, "sysctl net.core.netdev_max_backlog")
        #expect(backlog.status == .unavailable && !backlog.applicable && backlog.why.contains("global"))
    }

    @Test func vhostAndTapQueues() throws {
        let without = try Self.check(TuneAdvisor.checks(Self.readings([:])), "vhost-net")
        #expect(without.status == .advice && without.why.contains("CONFIG_VHOST_NET") && !without.applicable)
        #expect(try Self.check(TuneAdvisor.checks(Self.readings([:], vhost: true)), "vhost-net").status == .ok)
        let taps = try Self.check(TuneAdvisor.checks(Self.readings([:], taps: [.init(device: "vnet0", owner: "vm1", queues: 4),
                                                                            .init(device: "vnet1", owner: "vm2", queues: 1)])),
                                  "multiqueue TAPs")
        #expect(taps.status == .info && taps.current == "2 TAP port(s): 1 multi-queue (vnet0 4 queues), 1 single-queue")
        #expect(taps.why.contains("<driver name='vhost' queues='N'/>"))
    }

    @Test func offloadRingAndQueueRules() throws {
        let bridge = TuneReadings.DeviceReading(name: "pbbr0", role: .ownedBridge, network: "lab", driver: "bridge",
                                                offloads: ["tso": true, "gso": true, "gro": false, "sg": true, "tx-checksum": false],
                                                rings: nil, channels: nil)
        let nic = TuneReadings.DeviceReading(name: "eth0", role: .uplink, network: "lab", driver: "e1000e",
                                             offloads: ["tso": true, "tx-checksum": false],
                                             rings: .init(rx: 256, rxMax: 4096, tx: 4096, txMax: 4096),
                                             channels: .init(combined: 8, combinedMax: 8, rx: 0, rxMax: 0, tx: 0, txMax: 0))
        let checks = TuneAdvisor.checks(Self.readings([:], devices: [bridge, nic]))
        #expect(try Self.check(checks, "offload gro pbbr0").status == .advice)
        #expect(try Self.check(checks, "offload tso pbbr0").status == .ok)
        // Off on Patchbay's own bridges is what Patchbay wants; off on an uplink is advice.
        #expect(try Self.check(checks, "offload tx-checksum pbbr0").status == .ok)
        #expect(try Self.check(checks, "offload tx-checksum eth0").status == .advice)
        #expect(try Self.check(checks, "offload gso eth0").status == .unavailable)
        let bridgeRings = try Self.check(checks, "rings pbbr0")
        #expect(bridgeRings.status == .unavailable && bridgeRings.why.contains("bridge driver has no rings"))
        let rings = try Self.check(checks, "rings eth0")
        #expect(rings.status == .advice && rings.recommended == "rx 4096 tx 4096" && rings.why.contains("ethtool -G eth0"))
        #expect(try Self.check(checks, "queues eth0").status == .ok)
        #expect(try Self.check(checks, "queues pbbr0").status == .unavailable)
        #expect(checks.filter(\.applicable).allSatisfy { $0.key != nil })
    }
}
