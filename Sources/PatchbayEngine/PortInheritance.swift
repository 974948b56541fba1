import PatchbayModel

/// What a new port takes from its portgroup and its network, as libvirt's networkAllocatePort
/// does: bandwidth from the group; VLAN from the group, else the network; trustGuestRxFilters
/// from the group, else the network; the virtual port merged from network and group
/// (virNetDevVPortProfileMerge3: a value given by both must agree). A port without a group
/// takes the default group's settings but records no group, as libvirt writes back only what it
/// was given.
struct PortInheritance: Sendable, Hashable {
    var group: String?
    var vlan: VLANDefinition?
    var bandwidth: BandwidthDefinition?
    var virtualPort: VirtualPortDefinition?
    var trustGuestRxFilters: Bool?

    init(network definition: NetworkDefinition, group requested: String?) throws(PatchbayError) {
        let portGroup: PortGroupDefinition?
        if let requested {
            guard let named = definition.portGroups.first(where: { $0.name == requested }) else {
                let known = definition.portGroups.map(\.name)
                throw PatchbayError(.invalidArgument, "network '\(definition.name)' has no portgroup '\(requested)'"
                                        + (known.isEmpty ? " (it has none)" : " (it has \(known.joined(separator: ", ")))"))
            }
            portGroup = named
            group = requested
        } else {
            portGroup = definition.portGroups.first { $0.isDefault }
        }
        bandwidth = portGroup?.bandwidth
        vlan = portGroup?.vlan ?? definition.vlan
        trustGuestRxFilters = portGroup?.trustGuestRxFilters ?? definition.trustGuestRxFilters
        virtualPort = try Self.merge(definition.virtualPort, portGroup?.virtualPort, network: definition.name, group: portGroup?.name)
    }

    static func merge(_ network: VirtualPortDefinition?, _ group: VirtualPortDefinition?, network name: String,
                      group groupName: String?) throws(PatchbayError) -> VirtualPortDefinition? {
        guard let group else { return network }
        guard let network else { return group }
        func pick<T: Equatable>(_ a: T?, _ b: T?, _ what: String) throws(PatchbayError) -> T? {
            if let a, let b, a != b {
                throw PatchbayError(.invalidArgument, "network '\(name)' and its portgroup '\(groupName ?? "")' give different virtualport \(what)s ('\(a)' and '\(b)')")
            }
            return a ?? b
        }
        var merged = VirtualPortDefinition(type: try pick(network.type, group.type, "type"))
        merged.managerID = try pick(network.managerID, group.managerID, "managerid")
        merged.typeID = try pick(network.typeID, group.typeID, "typeid")
        merged.typeIDVersion = try pick(network.typeIDVersion, group.typeIDVersion, "typeidversion")
        merged.instanceID = try pick(network.instanceID, group.instanceID, "instanceid")
        merged.interfaceID = try pick(network.interfaceID, group.interfaceID, "interfaceid")
        merged.profileID = try pick(network.profileID, group.profileID, "profileid")
        return merged
    }
}
