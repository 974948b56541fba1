import NWFilter
import PatchbayModel

/// What `/metrics` shows of the networks: read when scraped, from the store and the kernel, so
/// nothing is counted twice and a restarted daemon loses no kernel counter.
extension NetworkEngine {
    public func metricFamilies() async -> [MetricFamily] {
        let records = (try? await store.networks()) ?? []
        var active = MetricFamily(name: "patchbay_network_active", help: "1 while the network is started, 0 while it is only defined.", kind: .gauge, samples: [])
        var portCount = MetricFamily(name: "patchbay_network_ports", help: "Ports on the network.", kind: .gauge, samples: [])
        var pool = MetricFamily(name: "patchbay_dhcp_pool_addresses", help: "IPv4 addresses in the network's DHCP ranges.", kind: .gauge, samples: [])
        var leases = MetricFamily(name: "patchbay_dhcp_leases", help: "DHCP leases the network holds.", kind: .gauge, samples: [])
        let counters: [(String, String, KeyPath<InterfaceStatistics, UInt64>)] = [
            ("receive_bytes", "Bytes the guest received through the port.", \.rxBytes),
            ("receive_packets", "Packets the guest received through the port.", \.rxPackets),
            ("receive_errors", "Receive errors on the port, from the guest's side.", \.rxErrs),
            ("receive_drops", "Packets dropped on their way to the guest.", \.rxDrop),
            ("transmit_bytes", "Bytes the guest sent through the port.", \.txBytes),
            ("transmit_packets", "Packets the guest sent through the port.", \.txPackets),
            ("transmit_errors", "Transmit errors on the port, from the guest's side.", \.txErrs),
            ("transmit_drops", "Packets the guest sent that were dropped.", \.txDrop),
        ]
        var portFamilies = counters.map { MetricFamily(name: "patchbay_port_\($0.0)_total", help: $0.1, kind: .counter, samples: []) }
        // One link dump for every port of every network, not a query per port.
        var dump = LinkCounterIndex([])
        if records.contains(where: { $0.live != nil }) { dump = LinkCounterIndex((try? await links.linkCounters()) ?? []) }
        for record in records {
            let network = [("network", record.name)]
            active.samples.append(.init(labels: network, value: record.live == nil ? 0 : 1))
            let definition = record.live ?? record.current
            var size: UInt64 = 0
            for ip in definition.ips {
                for range in ip.dhcp.ranges {
                    if case .v4(let a) = range.start, case .v4(let b) = range.end, b.value >= a.value { size += UInt64(b.value - a.value) + 1 }
                }
            }
            if size > 0 {
                pool.samples.append(.init(labels: network, value: Double(size)))
                leases.samples.append(.init(labels: network, value: Double((try? await store.leases(network: record.name).count) ?? 0)))
            }
            let ports = (try? await store.ports(network: record.name)) ?? []
            portCount.samples.append(.init(labels: network, value: Double(ports.count)))
            guard record.live != nil else { continue }
            for port in ports where port.phase == nil && !port.device.isEmpty && port.type != .hostdev && port.type != .vhostuser {
                guard let stats = dump.device(of: port)?.guestStatistics else { continue }
                let labels = [("network", record.name), ("port", port.device), ("owner", port.ownerName), ("mac", port.mac.description)]
                for (index, counter) in counters.enumerated() {
                    portFamilies[index].samples.append(.init(labels: labels, value: Double(stats[keyPath: counter.2])))
                }
            }
        }
        var acl = MetricFamily(name: "patchbay_acl_rule_packets_total", help: "Packets an ACL rule matched, summed over the ports it covers.", kind: .counter, samples: [])
        var aclBytes = MetricFamily(name: "patchbay_acl_rule_bytes_total", help: "Bytes an ACL rule matched, summed over the ports it covers.", kind: .counter, samples: [])
        for summary in (try? await acls()) ?? [] where summary.ports > 0 {
            guard let details = try? await aclDetails(name: summary.name) else { continue }
            for c in details.counters {
                let labels = [("acl", summary.name), ("direction", c.direction.rawValue), ("rule", c.index.map(String.init) ?? "default")]
                acl.samples.append(.init(labels: labels, value: Double(c.packets)))
                aclBytes.samples.append(.init(labels: labels, value: Double(c.bytes)))
            }
        }
        return [active, portCount, pool, leases] + portFamilies + [acl, aclBytes]
    }
}
