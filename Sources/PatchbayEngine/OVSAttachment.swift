import PatchbayModel

/// Where the ports of an Open vSwitch network go: the bridge, its datapath (which decides the
/// QoS type), and, when the caller read them, the bridge's ports as OVS has them, so that putting
/// back a port that is already right writes nothing.
struct OVSAttachment: Sendable {
    let ovs: any OVSManaging
    let bridge: String
    let datapath: String
    var existing: [String: OVSPortState] = [:]

    /// Adds the port's row, or repairs it when it differs from what the port asks for.
    func plug(_ port: NetworkPort) async throws(PatchbayError) {
        let spec = OVSPortPlan.spec(port, datapath: datapath)
        if let state = existing[spec.name], OVSPortPlan.matches(state, spec) { return }
        try await ovs.addPort(bridge: bridge, spec)
    }

    func unplug(_ port: NetworkPort) async throws(PatchbayError) {
        try await ovs.deletePort(named: port.device)
    }
}

/// vhost-user (`dpdkvhostuserclient`): OVS-DPDK connects to the socket QEMU serves. There is no
/// kernel device; the port is its OVS row, which OVS keeps (and reconnects) while QEMU restarts.
struct VhostUserPortDriver: PortDriver {
    let attachment: OVSAttachment?

    func create(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort {
        guard let attachment else {
            throw PatchbayError(.operationInvalid, "vhost-user ports need an Open vSwitch network")
        }
        try await attachment.plug(port)
        return port
    }

    func attach(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort? {
        try await attachment?.plug(port)
        return port
    }

    func remove(_ port: NetworkPort) async throws(PatchbayError) {
        try await attachment?.unplug(port)
    }
}
