import Logging
import PatchbayModel

/// `<forward mode='hostdev'>`: the network has no kernel object; each port is a VF of the pool
/// (`<pf dev>` or `<address>`es) given to the guest. Starting checks the pool can be read (the PF
/// exists, has SR-IOV and VFs enabled), as libvirt's networkCreateInterfacePool does.
struct HostdevNetworkDriver: NetworkDriver {
    let hostdev: (any HostdevManaging)?

    static func require(_ hostdev: (any HostdevManaging)?, network: String) throws(PatchbayError) -> any HostdevManaging {
        guard let hostdev else {
            throw PatchbayError(.unavailable, "network '\(network)' assigns SR-IOV virtual functions, and this daemon runs without SR-IOV support")
        }
        return hostdev
    }

    func start(_ definition: NetworkDefinition, temporaryDevice: String) async throws(PatchbayError) {
        let pool = try await Self.require(hostdev, network: definition.name).pool(of: definition.forward, network: definition.name)
        guard !pool.isEmpty else {
            throw PatchbayError(.operationInvalid, "network '\(definition.name)' has no virtual functions in its pool")
        }
    }

    func stop(_ definition: NetworkDefinition, temporaryDevice: String?, adoptUntagged: Bool) async throws(PatchbayError) {}

    func reconcile(_ definition: NetworkDefinition, adoptUntagged: Bool) async throws(PatchbayError) -> [String] {
        try await start(definition, temporaryDevice: "")
        return []
    }
}

/// A port that holds a VF: prepared (MAC, VLAN, trust through the PF; vfio-pci when managed)
/// when made, given back when deleted. Nothing to re-plug after a restart: the VF stays the
/// guest's, and the stored assignment says how to give it back.
struct HostdevPortDriver: PortDriver {
    let hostdev: (any HostdevManaging)?

    func create(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort {
        let hostdev = try HostdevNetworkDriver.require(hostdev, network: port.network)
        guard let chosen = port.hostdev else { throw PatchbayError(.internal, "hostdev port \(port.uuid) records no VF") }
        let config = try VirtualFunctionConfig.forPort(mac: port.mac, vlan: port.vlan, trustGuestRxFilters: port.trustGuestRxFilters,
                                                       network: port.network)
        var forward = ForwardDefinition()
        forward.mode = .hostdev
        forward.managed = chosen.plug.managed ?? false
        forward.driverName = chosen.plug.driverName
        forward.driverModel = chosen.plug.driverModel
        var made = port
        made.hostdev = try await hostdev.prepare(chosen.vf, config: config, forward: forward)
        made.temporaryDevice = nil
        return made
    }

    func attach(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort? { port }

    func remove(_ port: NetworkPort) async throws(PatchbayError) {
        guard let assignment = port.hostdev else { return }
        try await HostdevNetworkDriver.require(hostdev, network: port.network).release(assignment)
    }
}
