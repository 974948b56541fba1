/// What `patchbay top` shows at one tick: every port with its rates over the last interval, and
/// each network's DHCP and DNS rates. Built from two samples (`StatsSnapshot`) by `TopFrame.init`,
/// pure, so the rates, the order and the rendering are unit-tested without a daemon; it is also
/// what `top --once --json` prints.
public struct TopFrame: Sendable, Hashable, Codable {
    /// Seconds between the two samples; nil for a first sample, which has no rates.
    public var intervalSeconds: Double?
    /// Milliseconds since 1970 of the newer sample.
    public var time: Int64
    public var networks: [TopNetwork]
    /// Sorted as asked (`TopSort`).
    public var ports: [TopPort]

    public init(intervalSeconds: Double?, time: Int64, networks: [TopNetwork], ports: [TopPort]) {
        self.intervalSeconds = intervalSeconds
        self.time = time
        self.networks = networks
        self.ports = ports
    }
}

public struct TopNetwork: Sendable, Hashable, Codable {
    public var name: String
    public var active: Bool
    public var dhcpRequests: UInt64
    public var dnsQueries: UInt64
    public var dhcpRequestsPerSecond: Double?
    public var dnsQueriesPerSecond: Double?

    public init(name: String, active: Bool, dhcpRequests: UInt64, dnsQueries: UInt64,
                dhcpRequestsPerSecond: Double? = nil, dnsQueriesPerSecond: Double? = nil) {
        self.name = name
        self.active = active
        self.dhcpRequests = dhcpRequests
        self.dnsQueries = dnsQueries
        self.dhcpRequestsPerSecond = dhcpRequestsPerSecond
        self.dnsQueriesPerSecond = dnsQueriesPerSecond
    }
}

public struct TopPort: Sendable, Hashable, Codable {
    public var network: String
    public var uuid: String
    public var device: String
    public var owner: String
    public var mac: String
    public var ip: String?
    /// `PortState`'s spelling (forwarding, disabled, blocking, no-carrier, ...), "-" when the
    /// host cannot tell (hostdev).
    public var state: String
    /// From the guest's side, as `domifstat`: rx is what the guest received.
    public var rxBytesPerSecond: Double?
    public var txBytesPerSecond: Double?
    public var rxPacketsPerSecond: Double?
    public var txPacketsPerSecond: Double?
    /// Cumulative: what was dropped on the way to and from the guest since the device exists.
    public var rxBytes: UInt64?
    public var txBytes: UInt64?
    public var drops: UInt64?

    public init(network: String, uuid: String, device: String, owner: String, mac: String, ip: String? = nil, state: String,
                rxBytesPerSecond: Double? = nil, txBytesPerSecond: Double? = nil, rxPacketsPerSecond: Double? = nil,
                txPacketsPerSecond: Double? = nil, rxBytes: UInt64? = nil, txBytes: UInt64? = nil, drops: UInt64? = nil) {
        self.network = network
        self.uuid = uuid
        self.device = device
        self.owner = owner
        self.mac = mac
        self.ip = ip
        self.state = state
        self.rxBytesPerSecond = rxBytesPerSecond
        self.txBytesPerSecond = txBytesPerSecond
        self.rxPacketsPerSecond = rxPacketsPerSecond
        self.txPacketsPerSecond = txPacketsPerSecond
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.drops = drops
    }

    /// rx + tx, the default order; a port without rates counts as idle.
    public var totalBytesPerSecond: Double { (rxBytesPerSecond ?? 0) + (txBytesPerSecond ?? 0) }
}

/// How `top` orders its rows: by traffic (descending; `total` is rx + tx) or by name.
public enum TopSort: String, Sendable, Hashable, Codable, CaseIterable {
    case total, rx, tx, name
}

extension TopFrame {
    /// The frame for `current`, with rates against `previous` (nil: the first sample, no rates).
    /// A port's rates need the same port on the same device in both samples: a device remade
    /// under the port (another interface index) starts its counters again.
    public init(previous: StatsSnapshot?, current: StatsSnapshot, sort: TopSort = .total) {
        var seconds: Double?
        if let previous, current.monotonicMilliseconds > previous.monotonicMilliseconds {
            seconds = Double(current.monotonicMilliseconds - previous.monotonicMilliseconds) / 1000
        }
        var oldNetworks: [String: NetworkStats] = [:]
        var oldPorts: [String: PortStats] = [:]
        if seconds != nil, let previous {
            for network in previous.networks {
                oldNetworks[network.name] = network
                for port in network.ports { oldPorts[network.name + "/" + port.uuid] = port }
            }
        }
        let interval = seconds ?? 0
        var networks: [TopNetwork] = []
        var ports: [TopPort] = []
        for network in current.networks {
            let old = oldNetworks[network.name]
            networks.append(TopNetwork(name: network.name, active: network.active, dhcpRequests: network.dhcpRequests,
                                       dnsQueries: network.dnsQueries,
                                       dhcpRequestsPerSecond: CounterRate.perSecond(from: old?.dhcpRequests, to: network.dhcpRequests, seconds: interval),
                                       dnsQueriesPerSecond: CounterRate.perSecond(from: old?.dnsQueries, to: network.dnsQueries, seconds: interval)))
            for port in network.ports {
                var was = oldPorts[network.name + "/" + port.uuid]
                if was?.interfaceIndex != port.interfaceIndex { was = nil }
                let old = was?.counters, new = port.counters
                func rate(_ counter: KeyPath<PortCounters, UInt64>) -> Double? {
                    CounterRate.perSecond(from: old?[keyPath: counter], to: new?[keyPath: counter], seconds: interval)
                }
                ports.append(TopPort(network: network.name, uuid: port.uuid, device: port.device, owner: port.owner,
                                     mac: port.mac.description, ip: port.ip, state: port.state?.rawValue ?? "-",
                                     rxBytesPerSecond: rate(\.rxBytes), txBytesPerSecond: rate(\.txBytes),
                                     rxPacketsPerSecond: rate(\.rxPackets), txPacketsPerSecond: rate(\.txPackets),
                                     rxBytes: new?.rxBytes, txBytes: new?.txBytes, drops: new.map { $0.rxDrops &+ $0.txDrops }))
            }
        }
        self.init(intervalSeconds: seconds, time: current.time, networks: networks, ports: Self.sorted(ports, by: sort))
    }

    /// Busiest first (ties, and `name`, by network, owner, then device), so equal frames always
    /// render alike.
    public static func sorted(_ ports: [TopPort], by sort: TopSort) -> [TopPort] {
        func byName(_ a: TopPort, _ b: TopPort) -> Bool {
            (a.network, a.owner, a.device, a.uuid) < (b.network, b.owner, b.device, b.uuid)
        }
        func key(_ port: TopPort) -> Double {
            switch sort {
            case .total, .name: port.totalBytesPerSecond
            case .rx: port.rxBytesPerSecond ?? 0
            case .tx: port.txBytesPerSecond ?? 0
            }
        }
        if sort == .name { return ports.sorted(by: byName) }
        return ports.sorted { a, b in
            let ka = key(a), kb = key(b)
            return ka != kb ? ka > kb : byName(a, b)
        }
    }
}
