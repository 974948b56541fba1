import PatchbayModel

/// A network's DHCP and DNS totals, counted by their servers (outside the engine) and handed in
/// by the caller, so the engine depends on neither server.
public struct ServiceTotals: Sendable, Hashable {
    public var dhcpRequests: UInt64
    public var dnsQueries: UInt64

    public init(dhcpRequests: UInt64 = 0, dnsQueries: UInt64 = 0) {
        self.dhcpRequests = dhcpRequests
        self.dnsQueries = dnsQueries
    }
}

/// `patchbay top`'s samples (GET /v1/stats and /v1/stats/stream): every port's cumulative
/// counters and state from ONE link dump, whatever the number of ports and networks, and its IP
/// from the leases (one store read per network), so sampling every second stays cheap.
extension NetworkEngine {
    /// A sample of `network` (nil: of every network). `monotonicMilliseconds` and `time` are the
    /// caller's clocks: the engine reads none of its own.
    public func statsSnapshot(network: String?, services: [String: ServiceTotals], monotonicMilliseconds: Int64,
                              time: Int64) async throws(PatchbayError) -> StatsSnapshot {
        let records: [NetworkRecord]
        if let network {
            records = [try await requireRecord(network)]
        } else {
            records = try await store.networks().sorted { $0.name < $1.name }
        }
        var dump = LinkCounterIndex([])
        if records.contains(where: { $0.live != nil }) { dump = LinkCounterIndex(try await links.linkCounters()) }
        var networks: [NetworkStats] = []
        for record in records {
            let totals = services[record.name] ?? ServiceTotals()
            var stats = NetworkStats(name: record.name, active: record.live != nil, dhcpRequests: totals.dhcpRequests, dnsQueries: totals.dnsQueries)
            let ports = try await store.ports(network: record.name)
            var addresses: [MACAddress: IPv4Address] = [:]
            if !ports.isEmpty {
                for lease in try await store.leases(network: record.name) { addresses[lease.mac] = lease.ip }
            }
            let definition = record.live ?? record.current
            let bridge = definition.bridge.name.flatMap { dump.link(named: $0) }
            var bridged = false
            switch PortPlacement(definition) {
            case .ownedBridge, .hostBridge: bridged = true
            default: break
            }
            for port in ports {
                let device = dump.device(of: port)
                stats.ports.append(PortStats(uuid: port.uuid.description, device: port.device, owner: port.ownerName, mac: port.mac,
                                             ip: addresses[port.mac]?.description, type: port.type,
                                             state: Self.state(of: port, device: device, bridge: bridge?.link.index, bridged: bridged),
                                             interfaceIndex: device?.link.index, counters: device?.guestStatistics.map(PortCounters.init)))
            }
            stats.ports.sort { ($0.owner, $0.device, $0.uuid) < ($1.owner, $1.device, $1.uuid) }
            networks.append(stats)
        }
        return StatsSnapshot(monotonicMilliseconds: monotonicMilliseconds, time: time, networks: networks)
    }

    /// What `net-port-list` would say, from the dump: the STP state of a bridge port (disabled
    /// is the loop guard's cut), up or down for devices that are no bridge ports (macvtap, Open
    /// vSwitch), nil for a VF or a vhost-user socket, which the host has no device of.
    static func state(of port: NetworkPort, device: LinkCounters?, bridge: Int32?, bridged: Bool) -> PortState? {
        if port.phase != nil { return .pending }
        if port.type == .hostdev || port.type == .vhostuser { return nil }
        guard let device else { return .missing }
        if !bridged || port.type == .macvtap { return device.link.isUp ? .forwarding : .detached }
        if let status = device.bridgePort, let bridge, device.link.masterIndex == bridge { return PortState(status) }
        return .detached
    }
}
