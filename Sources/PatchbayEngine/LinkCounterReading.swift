import PatchbayModel

/// One device of a link dump with what `top` and `/metrics` read of it: its snapshot, its
/// counters from the guest's side, and, for a bridge port, its STP state.
public struct LinkCounters: Sendable, Hashable {
    public var link: LinkSnapshot
    /// rx and tx swapped, as `guestStatistics(index:)`; nil when the kernel sent none.
    public var guestStatistics: InterfaceStatistics?
    /// The device as a port of its bridge (state and carrier); nil when it is no bridge port.
    public var bridgePort: BridgePortStatus?

    public init(link: LinkSnapshot, guestStatistics: InterfaceStatistics?, bridgePort: BridgePortStatus? = nil) {
        self.link = link
        self.guestStatistics = guestStatistics
        self.bridgePort = bridgePort
    }
}

/// Every device's counters in one go. A protocol of its own, which `LinkManaging` refines, so
/// that kernel adapters answer it with ONE link dump (each entry carries IFLA_STATS64 and, for a
/// bridge port, IFLA_INFO_SLAVE_DATA's state) instead of a query per port: a host with hundreds
/// of ports is sampled every second by `patchbay top`.
public protocol LinkCounterReading: Sendable {
    func linkCounters() async throws(PatchbayError) -> [LinkCounters]
}

extension LinkManaging {
    /// For adapters without a dump of their own (test doubles): the links, then each one's
    /// counters and the bridges' port states.
    public func linkCounters() async throws(PatchbayError) -> [LinkCounters] {
        let all = try await links()
        var ports: [Int32: BridgePortStatus] = [:]
        for bridge in all where bridge.kind == "bridge" {
            for status in try await bridgePorts(ofBridge: bridge.index) { ports[status.index] = status }
        }
        var result: [LinkCounters] = []
        for link in all {
            result.append(LinkCounters(link: link, guestStatistics: try await guestStatistics(index: link.index), bridgePort: ports[link.index]))
        }
        return result
    }
}

/// A dump's devices found by a port's recorded index or its name, carrying the port's tag: what
/// `PortDevices.find` does with a query per port, without the queries. (Read-only: an untagged
/// device of an old version's port is tagged by `find`, at reconcile, not by a reader.)
struct LinkCounterIndex {
    private var byIndex: [Int32: LinkCounters] = [:]
    private var byName: [String: LinkCounters] = [:]

    init(_ dump: [LinkCounters]) {
        for entry in dump {
            byIndex[entry.link.index] = entry
            byName[entry.link.name] = entry
        }
    }

    func device(of port: NetworkPort) -> LinkCounters? {
        if let index = port.interfaceIndex, let entry = byIndex[index], entry.link.tag == port.tag { return entry }
        guard let entry = byName[port.device], entry.link.tag == port.tag else { return nil }
        return entry
    }

    func link(named name: String) -> LinkCounters? { byName[name] }
}
