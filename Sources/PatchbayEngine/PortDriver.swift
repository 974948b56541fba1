import Logging
import PatchbayModel

/// One driver per kind of port device (TAP, adopted TAP, veth; macvtap, VFs and OVS ports
/// next): how the device is created, found again and removed. Every device a driver creates or
/// adopts carries the port's `OwnershipTag`, and drivers act only on devices that carry it, so a
/// name the kernel handed to someone else's device can never pull that device onto a bridge or
/// get it deleted.
protocol PortDriver: Sendable {
    /// Creates (or takes over) the port's device, tags it, puts it on `bridge` (nil for devices
    /// that sit on a NIC, not a bridge: macvtap) and brings it up; returns the port with its
    /// device's interface index. On failure nothing it created stays.
    func create(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort
    /// Puts the port's device back on `bridge` (after `net-start`, at daemon start), re-creating
    /// it where the kind of device allows; returns the port as it is now, or nil when its device is
    /// gone for good (the record is stale).
    func attach(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort?
    /// Deletes the port's device, and the device under its temporary name, if they are its own.
    func remove(_ port: NetworkPort) async throws(PatchbayError)
}

/// What every port driver does the same way.
struct PortDevices: Sendable {
    let links: any LinkManaging
    let faults: FaultPoints
    let logger: Logger
    /// For ports of an Open vSwitch network: devices are plugged into OVS, not enslaved.
    var ovs: OVSAttachment? = nil

    /// The port's device if it is the port's own: found by the index recorded at creation, else
    /// by name, and in both cases carrying the port's tag. A port stored by a version that did
    /// not record indexes adopts an untagged device of its name once.
    func find(_ port: NetworkPort) async throws(PatchbayError) -> LinkSnapshot? {
        if let index = port.interfaceIndex, let link = try await links.link(index: index), link.tag == port.tag {
            return link
        }
        guard let link = try await links.link(named: port.device) else { return nil }
        if link.tag == port.tag { return link }
        if port.interfaceIndex == nil && link.alias == nil {
            try await links.setAlias(index: link.index, port.tag.description)
            logger.info("port device tagged (stored by an earlier version)", metadata: ["port": "\(port.uuid)", "device": "\(port.device)"])
            return link
        }
        return nil
    }

    /// Enslaves the device and, before it comes up, sets the port's bridge flags (isolation,
    /// learning, STP priority and cost): enslaving resets them, so every plug writes them again,
    /// and an isolated port never forwards a frame unisolated.
    func plug(_ index: Int32, into bridge: LinkSnapshot?, port: NetworkPort) async throws(PatchbayError) {
        if let ovs {
            if ovs.datapath == "netdev", port.type == .veth, let namespace = port.namespace {
                try await links.disableTxChecksumOffload(named: port.peerName ?? "eth0", namespace: namespace)
            }
            try await ovs.plug(port)
            try await links.setLinkUp(index: index, true)
            return
        }
        guard let bridge else { throw PatchbayError(.internal, "a bridge port needs a bridge") }
        try await links.setMaster(index: index, masterIndex: bridge.index)
        try await links.setPortBridgeControls(index: index, port.effectiveBridgeControls)
        try await links.setLinkUp(index: index, true)
    }

    func remove(_ port: NetworkPort) async throws(PatchbayError) {
        try await ovs?.unplug(port)
        if let temporary = port.temporaryDevice, let leftover = try await links.link(named: temporary) {
            try await links.deleteLink(index: leftover.index)
        }
        if let device = try await find(port) {
            try await links.deleteLink(index: device.index)
        } else if let other = try await links.link(named: port.device) {
            logger.warning("a device named like the port's is not the port's own; left alone",
                           metadata: ["port": "\(port.uuid)", "device": "\(port.device)", "alias": "\(other.alias ?? "-")"])
        }
    }

    /// The port, ready to be made again under its name (a reboot removed its device), unless the
    /// kernel has given that name to another device meanwhile.
    func remade(_ port: NetworkPort) async throws(PatchbayError) -> NetworkPort {
        if let other = try await links.link(named: port.device) {
            throw PatchbayError(.alreadyExists, "the device name '\(port.device)' of port \(port.uuid) is taken by another device (alias '\(other.alias ?? "")')")
        }
        var fresh = port
        fresh.temporaryDevice = OwnershipTag.temporaryDeviceName()
        return fresh
    }

    /// Tag, then name: a device is renamed to the port's device name only once it carries the
    /// tag, so a killed daemon leaves either the recorded temporary name or a tagged device.
    func tagAndName(_ link: LinkSnapshot, _ port: NetworkPort) async throws(PatchbayError) {
        try await links.setAlias(index: link.index, port.tag.description)
        await faults.reach(.portCreateTagged)
        if link.name != port.device { try await links.rename(index: link.index, to: port.device) }
    }

    /// The rest of a new device's creation: tagged, named, plugged, up; deleted again on failure.
    /// Returns the port with the device's index.
    func finish(_ link: LinkSnapshot, _ port: NetworkPort, bridge: LinkSnapshot?,
                before: () async throws(PatchbayError) -> Void = {}) async throws(PatchbayError) -> NetworkPort {
        do throws(PatchbayError) {
            await faults.reach(.portCreateDevice)
            try await before()
            try await tagAndName(link, port)
            try await plug(link.index, into: bridge, port: port)
            await faults.reach(.portCreateAttached)
        } catch {
            try? await links.deleteLink(index: link.index)
            throw error
        }
        var created = port
        created.interfaceIndex = link.index
        created.temporaryDevice = nil
        return created
    }

    /// libvirt's rule for TAPs: the host end carries the guest MAC with 0xFE first, so the bridge
    /// never adopts the guest's address as its own.
    static func hostMAC(for mac: MACAddress) -> MACAddress {
        MACAddress(bytes: [0xFE] + mac.bytes.dropFirst()) ?? mac
    }
}

/// A persistent TAP for QEMU (`-netdev tap,ifname=vnetN`), created by Patchbay.
struct TapPortDriver: PortDriver {
    let devices: PortDevices

    func create(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort {
        let links = devices.links
        let temporary = port.temporaryDevice ?? OwnershipTag.temporaryDeviceName()
        let link = try await links.createTap(name: temporary, multiQueue: port.queues > 1, owner: port.ownerUID, group: port.ownerGID)
        return try await devices.finish(link, port, bridge: bridge) { () async throws(PatchbayError) in
            try await links.setMAC(index: link.index, PortDevices.hostMAC(for: port.mac))
        }
    }

    /// A persistent TAP is gone after a host reboot: it is made again under its name.
    func attach(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort? {
        if let link = try await devices.find(port) {
            try await devices.plug(link.index, into: bridge, port: port)
            var found = port
            found.interfaceIndex = link.index
            return found
        }
        return try await create(try await devices.remade(port), bridge: bridge)
    }

    func remove(_ port: NetworkPort) async throws(PatchbayError) { try await devices.remove(port) }
}

/// A TAP that someone else opened and holds (QEMU through the bridge helper): Patchbay tags it
/// and puts it on the bridge; it disappears when its last descriptor closes.
struct AdoptedTapPortDriver: PortDriver {
    let devices: PortDevices

    func create(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort {
        let links = devices.links
        guard let index = port.interfaceIndex, let link = try await links.link(index: index), link.name == port.device else {
            throw PatchbayError(.notFound, "the TAP device '\(port.device)' to adopt is gone")
        }
        await devices.faults.reach(.portCreateDevice)
        try await links.setMAC(index: link.index, PortDevices.hostMAC(for: port.mac))
        try await devices.tagAndName(link, port)
        try await devices.plug(link.index, into: bridge, port: port)
        await devices.faults.reach(.portCreateAttached)
        var adopted = port
        adopted.temporaryDevice = nil
        return adopted
    }

    func attach(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort? {
        guard let link = try await devices.find(port) else { return nil }
        try await devices.plug(link.index, into: bridge, port: port)
        return port
    }

    /// The TAP belongs to its holder: taken off the bridge and untagged is enough when it still
    /// exists; closing it is QEMU's business. (Deleting a TAP someone holds fails anyway.)
    func remove(_ port: NetworkPort) async throws(PatchbayError) {
        try await devices.ovs?.unplug(port)
        guard let link = try await devices.find(port) else { return }
        if devices.ovs == nil { try await devices.links.setMaster(index: link.index, masterIndex: 0) }
        try await devices.links.setAlias(index: link.index, "")
    }
}

/// A veth pair whose far end lives in a network namespace (a container).
struct VethPortDriver: PortDriver {
    let devices: PortDevices

    func create(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort {
        let links = devices.links
        guard let namespace = port.namespace else {
            throw PatchbayError(.invalidArgument, "a veth port needs a namespace")
        }
        let temporary = port.temporaryDevice ?? OwnershipTag.temporaryDeviceName()
        let link = try await links.createVeth(name: temporary, peer: port.peerName ?? "eth0", peerMAC: port.mac, namespace: namespace)
        return try await devices.finish(link, port, bridge: bridge)
    }

    /// A veth pair dies with its namespace: then the port is stale.
    func attach(_ port: NetworkPort, bridge: LinkSnapshot?) async throws(PatchbayError) -> NetworkPort? {
        guard let link = try await devices.find(port) else { return nil }
        try await devices.plug(link.index, into: bridge, port: port)
        var found = port
        found.interfaceIndex = link.index
        return found
    }

    func remove(_ port: NetworkPort) async throws(PatchbayError) { try await devices.remove(port) }
}
