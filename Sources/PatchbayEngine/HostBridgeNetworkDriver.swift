import Logging
import PatchbayModel

/// `<forward mode='bridge'/>` with `<bridge name='br0'/>`: guests go straight onto a bridge the
/// host already has (the seed's "bridge for performance"). The bridge is the administrator's:
/// Patchbay never creates, reconfigures or deletes it, and runs no DHCP, DNS or firewall for it;
/// it only enslaves its ports to it. Starting checks the bridge is there, as libvirt's
/// networkStartNetworkExternal leaves to the guest's start and networkUpdateState checks later.
struct HostBridgeNetworkDriver: NetworkDriver {
    let links: any LinkManaging
    let logger: Logger

    func start(_ definition: NetworkDefinition, temporaryDevice: String) async throws(PatchbayError) {
        try await checkVLANs(definition, on: try await hostBridge(definition))
    }

    /// VLAN tags (`<vlan>` on the network or a portgroup, Patchbay's extension for plain host
    /// bridges) need the kernel's bridge VLAN filtering, switched on for the bridge by its owner:
    /// Patchbay does not reconfigure a host bridge, and turning filtering on would cut every
    /// untagged port that is not in VLAN 1.
    func checkVLANs(_ definition: NetworkDefinition, on bridge: LinkSnapshot) async throws(PatchbayError) {
        let tagged = !(definition.vlan?.tags.isEmpty ?? true) || definition.portGroups.contains { !($0.vlan?.tags.isEmpty ?? true) }
        guard tagged else { return }
        switch try await links.bridgeVLANFiltering(index: bridge.index) {
        case nil:
            throw PatchbayError(.operationInvalid, "network '\(definition.name)' uses VLAN tags (<vlan>), which need the kernel's bridge VLAN filtering,"
                                    + " and this kernel was built without it (CONFIG_BRIDGE_VLAN_FILTERING is not set)")
        case false?:
            throw PatchbayError(.operationInvalid, "network '\(definition.name)' uses VLAN tags (<vlan>), but the host bridge '\(bridge.name)' does not filter VLANs;"
                                    + " turn it on first (`ip link set \(bridge.name) type bridge vlan_filtering 1`): Patchbay does not reconfigure a host bridge")
        case true?:
            return
        }
    }

    /// Nothing of the bridge's is Patchbay's to undo; the engine takes the network's ports off it.
    func stop(_ definition: NetworkDefinition, temporaryDevice: String?, adoptUntagged: Bool) async throws(PatchbayError) {}

    /// A bridge that went away marks the network inactive (libvirt's networkUpdateState does the
    /// same); nothing is repaired on a bridge that is not Patchbay's.
    func reconcile(_ definition: NetworkDefinition, adoptUntagged: Bool) async throws(PatchbayError) -> [String] {
        try await checkVLANs(definition, on: try await hostBridge(definition))
        return []
    }

    /// The bridge, checked: it exists, is a bridge, and is not a bridge of a Patchbay network.
    func hostBridge(_ definition: NetworkDefinition) async throws(PatchbayError) -> LinkSnapshot {
        guard let name = definition.bridge.name else {
            throw PatchbayError(.invalidArgument, "network '\(definition.name)' (forward mode 'bridge') names no bridge")
        }
        guard let link = try await links.link(named: name) else {
            throw PatchbayError(.notFound, "network '\(definition.name)' uses the host bridge '\(name)', which does not exist;"
                                    + " create it first (`patchbay iface-bridge NIC \(name)` moves a NIC's addresses onto a new bridge)")
        }
        guard link.kind == "bridge" else {
            throw PatchbayError(.operationInvalid, "network '\(definition.name)' uses the host bridge '\(name)', but '\(name)' is a \(link.kind ?? "kind-less") device, not a bridge")
        }
        if case .network(let owner)? = link.tag {
            throw PatchbayError(.operationInvalid, "'\(name)' is the bridge of the Patchbay network with UUID \(owner), not a host bridge; attach guests to that network instead")
        }
        return link
    }
}
