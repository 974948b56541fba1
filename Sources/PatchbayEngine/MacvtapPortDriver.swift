import Logging
import PatchbayModel

/// A macvtap on one NIC of a direct network's pool, in the network's mode, carrying the guest's
/// MAC: the kernel hands the NIC's frames for that MAC to it, and QEMU reads and writes it as
/// /dev/tapIFINDEX. Unlike a TAP it is not on a bridge, and it outlives its descriptors.
///
/// Passthrough gives the guest the whole NIC: the kernel lets only one macvtap sit on it, and
/// setting the macvtap's MAC sets the NIC's, so the NIC's own MAC is stored with the port
/// (before the device exists) and put back when the port goes, as libvirt does
/// (virNetDevSaveNetConfig / virNetDevRestoreNetConfig).
struct MacvtapPortDriver: PortDriver {
    let devices: PortDevices

    func create(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort {
        let links = devices.links
        let (lower, mode) = try await self.lower(of: port)
        let temporary = port.temporaryDevice ?? OwnershipTag.temporaryDeviceName()
        let link = try await links.createMacvtap(name: temporary, lowerIndex: lower.index, mode: mode, mac: port.mac)
        do throws(PatchbayError) {
            await devices.faults.reach(.portCreateDevice)
            // In passthrough the kernel gives the macvtap the NIC's MAC; setting it sets the NIC's.
            if mode == .passthrough || link.mac != port.mac { try await links.setMAC(index: link.index, port.mac) }
            try await devices.tagAndName(link, port)
            try await links.setLinkUp(index: link.index, true)
            await devices.faults.reach(.portCreateAttached)
        } catch {
            try? await links.deleteLink(index: link.index)
            try? await restoreLowerMAC(port)
            throw error
        }
        var created = port
        created.interfaceIndex = link.index
        created.temporaryDevice = nil
        return created
    }

    /// A macvtap is gone after a host reboot (or when its NIC went and came back): it is made
    /// again under its name on the same NIC.
    func attach(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort? {
        if let link = try await devices.find(port) {
            let (lower, _) = try await self.lower(of: port)
            guard link.lowerIndex == nil || link.lowerIndex == lower.index else {
                throw PatchbayError(.operationInvalid, "the macvtap \(port.device) of port \(port.uuid) is no longer on \(lower.name)")
            }
            if !link.isUp { try await devices.links.setLinkUp(index: link.index, true) }
            var found = port
            found.interfaceIndex = link.index
            return found
        }
        return try await create(try await devices.remade(port), bridge: nil)
    }

    func remove(_ port: NetworkPort) async throws(PatchbayError) {
        try await devices.remove(port)
        try await restoreLowerMAC(port)
    }

    /// Takes the guest off the network without losing its device: a stopped network's macvtap
    /// is set down, and `attach` sets it up again.
    func detach(_ port: NetworkPort) async throws(PatchbayError) {
        if let link = try await devices.find(port), link.isUp { try await devices.links.setLinkUp(index: link.index, false) }
    }

    private func lower(of port: NetworkPort) async throws(PatchbayError) -> (LinkSnapshot, NetworkPortDefinition.DirectMode) {
        guard let name = port.lowerDevice, let mode = port.directMode else {
            throw PatchbayError(.internal, "macvtap port \(port.uuid) records no NIC or mode")
        }
        guard let lower = try await devices.links.link(named: name) else {
            throw PatchbayError(.notFound, "the NIC '\(name)' of port \(port.uuid) does not exist")
        }
        return (lower, mode)
    }

    private func restoreLowerMAC(_ port: NetworkPort) async throws(PatchbayError) {
        guard port.directMode == .passthrough, let saved = port.savedLowerMAC, let name = port.lowerDevice,
              let lower = try await devices.links.link(named: name), lower.mac != saved else { return }
        try await devices.links.setMAC(index: lower.index, saved)
    }
}
