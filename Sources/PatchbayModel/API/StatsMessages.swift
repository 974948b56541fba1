/// One sample of the counters `patchbay top` shows (GET /v1/stats, and each message of
/// /v1/stats/stream): cumulative values only, read from one link dump, so a client computes rates
/// from two samples and the daemon keeps no per-client state.
public struct StatsSnapshot: Sendable, Hashable, Codable {
    /// Milliseconds on the daemon's monotonic clock (not wall time, which can step): rates divide
    /// by differences of it, so a client's own scheduling delays do not skew them.
    public var monotonicMilliseconds: Int64
    /// Milliseconds since 1970, for display.
    public var time: Int64
    public var networks: [NetworkStats]

    public init(monotonicMilliseconds: Int64, time: Int64, networks: [NetworkStats]) {
        self.monotonicMilliseconds = monotonicMilliseconds
        self.time = time
        self.networks = networks
    }
}

/// A network's part of a sample: its DHCP and DNS servers' totals and its ports.
public struct NetworkStats: Sendable, Hashable, Codable {
    public var name: String
    public var active: Bool
    /// DHCP requests received since the daemon started (every message type).
    public var dhcpRequests: UInt64
    /// DNS queries received since the daemon started (every type and result).
    public var dnsQueries: UInt64
    public var ports: [PortStats]

    public init(name: String, active: Bool, dhcpRequests: UInt64 = 0, dnsQueries: UInt64 = 0, ports: [PortStats] = []) {
        self.name = name
        self.active = active
        self.dhcpRequests = dhcpRequests
        self.dnsQueries = dnsQueries
        self.ports = ports
    }
}

/// A port's part of a sample.
public struct PortStats: Sendable, Hashable, Codable {
    public var uuid: String
    public var device: String
    public var owner: String
    public var mac: MACAddress
    /// The address of the port's DHCP lease (by its MAC), if it has one.
    public var ip: String?
    public var type: NetworkPort.DeviceType
    /// As `net-port-list` reports it; nil for a hostdev (the host has no device of it).
    public var state: PortState?
    /// The device's interface index: a client seeing another index for the same port knows the
    /// device was remade and its counters started again.
    public var interfaceIndex: Int32?
    /// nil when the host has no counters of the port (hostdev, vhost-user, a device that is gone).
    public var counters: PortCounters?

    public init(uuid: String, device: String, owner: String, mac: MACAddress, ip: String? = nil, type: NetworkPort.DeviceType,
                state: PortState?, interfaceIndex: Int32? = nil, counters: PortCounters? = nil) {
        self.uuid = uuid
        self.device = device
        self.owner = owner
        self.mac = mac
        self.ip = ip
        self.type = type
        self.state = state
        self.interfaceIndex = interfaceIndex
        self.counters = counters
    }
}

/// A port's cumulative counters from the guest's side (rx is what the guest received), as
/// `domifstat` and `/metrics` report them.
public struct PortCounters: Sendable, Hashable, Codable {
    public var rxBytes: UInt64
    public var rxPackets: UInt64
    public var rxDrops: UInt64
    public var rxErrors: UInt64
    public var txBytes: UInt64
    public var txPackets: UInt64
    public var txDrops: UInt64
    public var txErrors: UInt64

    public init(rxBytes: UInt64 = 0, rxPackets: UInt64 = 0, rxDrops: UInt64 = 0, rxErrors: UInt64 = 0,
                txBytes: UInt64 = 0, txPackets: UInt64 = 0, txDrops: UInt64 = 0, txErrors: UInt64 = 0) {
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.rxDrops = rxDrops
        self.rxErrors = rxErrors
        self.txBytes = txBytes
        self.txPackets = txPackets
        self.txDrops = txDrops
        self.txErrors = txErrors
    }

    public init(_ statistics: InterfaceStatistics) {
        self.init(rxBytes: statistics.rxBytes, rxPackets: statistics.rxPackets, rxDrops: statistics.rxDrop, rxErrors: statistics.rxErrs,
                  txBytes: statistics.txBytes, txPackets: statistics.txPackets, txDrops: statistics.txDrop, txErrors: statistics.txErrs)
    }
}
