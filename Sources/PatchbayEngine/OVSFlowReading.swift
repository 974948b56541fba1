import PatchbayModel

/// The OpenFlow side of an OVS bridge, for `net-flows`. OVSDB does not carry flows; the daemon
/// reads them with `ovs-ofctl dump-flows` (see DESIGN.md, "Open vSwitch"), engine tests a fake.
public protocol OVSFlowReading: Sendable {
    func flows(bridge: String) async throws(PatchbayError) -> [OVSFlow]
}

extension NetworkEngine {
    /// `net-flows`: the flows of an OVS network's bridge and its ports' counters, the network's
    /// own ports first in the order they were made, then the bridge's others.
    public func flows(network name: String) async throws(PatchbayError) -> OVSFlowReport {
        let record = try await requireRecord(name)
        guard case .ovs(let bridge, _) = PortPlacement(record.current) else {
            throw PatchbayError(.operationInvalid, "network '\(name)' is not an Open vSwitch network; `bridge -j fdb show br \(record.current.bridge.name ?? "BRIDGE")` or `patchbay net-fdb \(name)` shows a Linux bridge's forwarding")
        }
        guard record.active else { throw PatchbayError(.operationInvalid, "network '\(name)' is not active") }
        let setup = try OVSSetup.required(self.ovs, network: name)
        let ovs = setup.ovs
        guard let reader = setup.flows else {
            throw PatchbayError(.unavailable, "patchbayd cannot read OpenFlow flows here (no ovs-ofctl reader)")
        }
        guard let state = try await ovs.bridge(named: bridge) else {
            throw PatchbayError(.notFound, "the Open vSwitch bridge '\(bridge)' of network '\(name)' is gone")
        }
        let flows = try await reader.flows(bridge: bridge)
        return OVSFlowReport(network: name, bridge: bridge, flows: flows,
                             ports: state.ports.sorted { ($0.ofport ?? Int.max, $0.name) < ($1.ofport ?? Int.max, $1.name) }.map(OVSPortCounters.init))
    }
}
