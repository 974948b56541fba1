import Logging
import PatchbayModel

/// Open vSwitch for the engine: the switch, whether the host has the kernel datapath, and where
/// vhost-user sockets go.
public struct OVSSetup: Sendable {
    public let ovs: any OVSManaging
    /// The openvswitch kernel module is loaded: bridges Patchbay makes use the "system" datapath;
    /// without it, the userspace one ("netdev").
    public let kernelDatapath: Bool
    /// The directory in which Patchbay names the sockets of vhost-user ports.
    public let vhostUserDirectory: String
    /// OpenFlow flows for `net-flows`; nil where they cannot be read.
    public let flows: (any OVSFlowReading)?

    public init(ovs: any OVSManaging, kernelDatapath: Bool, vhostUserDirectory: String, flows: (any OVSFlowReading)? = nil) {
        self.flows = flows
        self.ovs = ovs
        self.kernelDatapath = kernelDatapath
        self.vhostUserDirectory = vhostUserDirectory
    }

    public var datapathForNewBridges: String { kernelDatapath ? "system" : "netdev" }

    /// The setup an OVS network needs; an engine made without one (tests, a daemon built without
    /// OVS) refuses the network with what to do.
    static func required(_ setup: OVSSetup?, network: String) throws(PatchbayError) -> OVSSetup {
        guard let setup else {
            throw PatchbayError(.unavailable, "network '\(network)' is an Open vSwitch network, and patchbayd runs without Open vSwitch (start it with --ovsdb SOCKET)")
        }
        return setup
    }
}

/// Networks on an Open vSwitch bridge (`<virtualport type='openvswitch'/>`). Two kinds:
/// - the administrator's bridge (`<forward mode='bridge'/><bridge name='ovsbr0'/>`, libvirt's
///   only kind): it must exist; Patchbay adds and removes its ports and nothing else;
/// - Patchbay's own (isolated, nat, route, open, and a bridge-mode network that names no bridge):
///   created with the network's tag in its `external_ids`, with the datapath the host supports,
///   and for the routed modes the network's addresses on its internal port, where DHCP, DNS and
///   the firewall then work as on a Linux bridge.
struct OVSNetworkDriver: NetworkDriver {
    let setup: OVSSetup?
    let links: any LinkManaging
    let faults: FaultPoints
    let logger: Logger

    /// How long ovs-vswitchd may take to make a new bridge's internal device.
    static let deviceWait: Duration = .seconds(10)

    func start(_ definition: NetworkDefinition, temporaryDevice: String) async throws(PatchbayError) {
        let (ovs, bridgeName, owned) = try resolve(definition)
        _ = try await ovs.system()
        let tag = OwnershipTag.network(definition.uuid).description
        let existing = try await ovs.bridge(named: bridgeName)
        guard owned else {
            guard let existing else {
                throw PatchbayError(.notFound, "network '\(definition.name)' uses the Open vSwitch bridge '\(bridgeName)', which Open vSwitch does not have;"
                                        + " create it first (`ovs-vsctl add-br \(bridgeName)`), or leave out <bridge name> and Patchbay makes one")
            }
            if let owner = existing.externalIDs[OVSPortPlan.tagKey], owner != tag {
                throw PatchbayError(.operationInvalid, "the Open vSwitch bridge '\(bridgeName)' belongs to another Patchbay network (\(owner)); attach guests to that network instead")
            }
            return
        }
        if let existing {
            guard existing.externalIDs[OVSPortPlan.tagKey] == tag else {
                throw PatchbayError(.operationInvalid, "cannot start network '\(definition.name)': Open vSwitch already has a bridge named '\(bridgeName)' that is not this network's")
            }
            logger.warning("deleting an Open vSwitch bridge this network left behind", metadata: ["network": "\(definition.name)", "bridge": "\(bridgeName)"])
            try await ovs.deleteBridge(named: bridgeName)
        }
        if let device = try await links.link(named: bridgeName) {
            throw PatchbayError(.operationInvalid, "cannot start network '\(definition.name)': a device named '\(bridgeName)' already exists"
                                    + (device.kind.map { " (\($0))" } ?? "") + " and is not this network's Open vSwitch bridge")
        }
        let datapath = setup?.datapathForNewBridges ?? "netdev"
        do throws(PatchbayError) {
            try await ovs.createBridge(OVSBridgeSpec(name: bridgeName, datapathType: datapath, externalIDs: [OVSPortPlan.tagKey: tag]))
            await faults.reach(.startBridgeCreated)
            let device = try await internalDevice(bridgeName, definition)
            try await configure(device, definition)
            await faults.reach(.startAddresses)
        } catch {
            try? await ovs.deleteBridge(named: bridgeName)
            throw PatchbayError(error.code, "cannot start network '\(definition.name)': \(error.message)", cause: error.cause)
        }
        logger.info("Open vSwitch bridge created", metadata: ["network": "\(definition.name)", "bridge": "\(bridgeName)", "datapath": "\(datapath)"])
    }

    /// The administrator's bridge stays; Patchbay's goes, ports and all. With Open vSwitch down
    /// nothing can be removed, and the stop goes on: the next start finds the tagged bridge and
    /// makes it afresh.
    func stop(_ definition: NetworkDefinition, temporaryDevice: String?, adoptUntagged: Bool) async throws(PatchbayError) {
        let (ovs, bridgeName, owned) = try resolve(definition)
        guard owned else { return }
        do throws(PatchbayError) {
            guard let bridge = try await ovs.bridge(named: bridgeName) else { return }
            guard bridge.externalIDs[OVSPortPlan.tagKey] == OwnershipTag.network(definition.uuid).description else {
                logger.warning("the Open vSwitch bridge named like the network's is not its own; left alone",
                               metadata: ["network": "\(definition.name)", "bridge": "\(bridgeName)"])
                return
            }
            try await ovs.deleteBridge(named: bridgeName)
        } catch {
            guard error.code == .unavailable else { throw error }
            logger.warning("Open vSwitch is not reachable; its bridge stays until the network starts again",
                           metadata: ["network": "\(definition.name)", "bridge": "\(bridgeName)", "error": "\(error)"])
        }
    }

    /// After a daemon restart, an ovs-vswitchd restart (which makes a userspace bridge's internal
    /// device anew, without addresses) or a change behind Patchbay's back: the bridge is made
    /// again if it is Patchbay's, its internal port gets its addresses back; an administrator's
    /// bridge that went away ends the network, as a missing host bridge does.
    func reconcile(_ definition: NetworkDefinition, adoptUntagged: Bool) async throws(PatchbayError) -> [String] {
        let (ovs, bridgeName, owned) = try resolve(definition)
        guard let bridge = try await ovs.bridge(named: bridgeName) else {
            guard owned else {
                throw PatchbayError(.notFound, "the Open vSwitch bridge '\(bridgeName)' of network '\(definition.name)' is gone")
            }
            try await start(definition, temporaryDevice: OwnershipTag.temporaryDeviceName())
            return ["re-created missing Open vSwitch bridge \(bridgeName)"]
        }
        guard owned else { return [] }
        guard bridge.externalIDs[OVSPortPlan.tagKey] == OwnershipTag.network(definition.uuid).description else {
            throw PatchbayError(.operationInvalid, "the Open vSwitch bridge '\(bridgeName)' of network '\(definition.name)' is not Patchbay's: another program made it while patchbayd was not running")
        }
        var repairs: [String] = []
        let device = try await internalDevice(bridgeName, definition)
        if device.tag != .network(definition.uuid) { repairs.append("tagged the internal port \(bridgeName)") }
        let present = Set(try await links.addresses(index: device.index))
        let missing = definition.interfaceAddresses.filter { !present.contains($0) }
        if !missing.isEmpty || !device.isUp || device.tag != .network(definition.uuid) {
            try await configure(device, definition, only: missing)
            repairs += missing.map { "added address \($0)" }
            if !device.isUp { repairs.append("set \(bridgeName) up") }
        }
        return repairs
    }

    /// The internal port's kernel device, which ovs-vswitchd makes once it has seen the bridge.
    private func internalDevice(_ name: String, _ definition: NetworkDefinition) async throws(PatchbayError) -> LinkSnapshot {
        let clock = ContinuousClock()
        let deadline = clock.now + Self.deviceWait
        while true {
            if let link = try await links.link(named: name) { return link }
            guard clock.now < deadline else {
                throw PatchbayError(.unavailable, "ovs-vswitchd did not make the device of bridge '\(name)' within \(Self.deviceWait);"
                                        + " is ovs-vswitchd running (and, for the kernel datapath, the openvswitch module loaded)?")
            }
            do { try await Task.sleep(for: .milliseconds(20)) } catch { throw PatchbayError(.internal, "cancelled while waiting for bridge '\(name)'") }
        }
    }

    /// Tag, MAC, MTU, addresses (all, or `only` these), up: what a Linux bridge of the network gets.
    private func configure(_ device: LinkSnapshot, _ definition: NetworkDefinition, only: [InterfaceAddress]? = nil) async throws(PatchbayError) {
        try await links.setAlias(index: device.index, OwnershipTag.network(definition.uuid).description)
        if only == nil {
            if let mac = definition.mac { try await links.setMAC(index: device.index, mac) }
            if let mtu = definition.mtu.map(Int.init) { try await links.setMTU(index: device.index, mtu) }
            // As on a Linux bridge: DHCP replies the host sends get their checksum filled in.
            try await links.disableTxChecksumOffload(named: device.name)
        }
        for address in only ?? definition.interfaceAddresses {
            try await links.addAddress(address, index: device.index)
        }
        try await links.setLinkUp(index: device.index, true)
    }

    private func resolve(_ definition: NetworkDefinition) throws(PatchbayError) -> (any OVSManaging, String, Bool) {
        guard case .ovs(let bridge, let owned) = PortPlacement(definition) else {
            throw PatchbayError(.internal, "network '\(definition.name)' is not an Open vSwitch network")
        }
        let ovs = try OVSSetup.required(setup, network: definition.name).ovs
        guard !bridge.isEmpty else { throw PatchbayError(.invalidArgument, "network '\(definition.name)' has no bridge name") }
        return (ovs, bridge, owned)
    }
}
