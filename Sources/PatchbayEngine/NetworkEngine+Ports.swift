import LibvirtXML
import NWFilter
import PatchbayModel
import PatchbayStore

extension NetworkEngine {
    /// `net-port-create`: a TAP (for QEMU), an existing TAP to adopt, or a veth pair (for a
    /// namespace) on an active network's bridge, whether Patchbay made it or the host has it
    /// (`<forward mode='bridge'>`), or a macvtap on a NIC of a direct network's pool. The record is
    /// stored first, in phase `creating` and with the names it will use, then the device is made,
    /// tagged and plugged; on failure nothing stays behind, and after a crash recovery removes
    /// what was half made. `requestedBy` is the local user a bridge-helper request came from;
    /// `holder` the process (pid, start time) whose exit ends a macvtap the helper made for it.
    public func createPort(network name: String, _ request: CreatePortRequest, requestedBy: UInt32? = nil,
                           holder: (pid: Int32, startTime: UInt64)? = nil) async throws(PatchbayError) -> NetworkPort {
        let (port, placement) = try await withNetworkLock(name) { () async throws(PatchbayError) -> (NetworkPort, PortPlacement) in
            let record = try await requireRecord(name)
            guard let live = record.live, record.intent == nil else {
                throw PatchbayError(.operationInvalid, "network '\(name)' is not active")
            }
            let placement = PortPlacement(live)
            let owner = request.ownerName.trimmingPrefixAndSuffixSpaces
            guard !owner.isEmpty, owner.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw PatchbayError(.invalidArgument, "the owner name '\(request.ownerName)' must be non-empty text without control characters")
            }
            let queues = request.queues ?? 1
            guard (1...256).contains(queues) else { throw PatchbayError(.invalidArgument, "queues must be from 1 to 256, not \(queues)") }
            if let mac = request.mac, mac.isMulticast {
                throw PatchbayError(.invalidArgument, "\(mac) is a multicast address; a port needs a unicast MAC")
            }
            let inherited = try PortInheritance(network: live, group: request.portGroup)
            let bridge = try await portBridge(placement, record: record, live: live)
            let attachment = try await ovsAttachment(placement, network: name)
            // One indexed lookup per check, never a read of every port: creating the 10,000th
            // port costs what the first did.
            if let mac = request.mac, let clash = try await store.port(withMAC: mac) {
                throw PatchbayError(.alreadyExists, "MAC address \(mac) is already used by port \(clash.uuid) of \(clash.ownerName) on network '\(clash.network)'")
            }
            var mac = request.mac ?? MACAddress.randomLibvirt()
            while request.mac == nil, try await store.port(withMAC: mac) != nil { mac = MACAddress.randomLibvirt() }

            var port = NetworkPort(uuid: NetworkUUID.random(), network: name, ownerName: owner, ownerUUID: request.ownerUUID, mac: mac,
                                   type: request.type, device: "", role: request.role ?? .guest, queues: queues,
                                   ownerUID: request.ownerUID, ownerGID: request.ownerGID)
            port.requestedBy = requestedBy
            port.phase = .creating
            port.group = inherited.group
            port.vlan = inherited.vlan
            // The port's own <bandwidth> overrides its portgroup's, as a domain interface's does.
            port.bandwidth = request.bandwidth.flatMap { $0.isEmpty ? nil : $0 } ?? inherited.bandwidth
            port.virtualPort = inherited.virtualPort
            port.trustGuestRxFilters = inherited.trustGuestRxFilters
            port.isolatedByNetwork = live.portIsolated == true  // bridge controls (issue 13)
            if case .hostdev = placement {
                try await prepareHostdev(&port, request, live: live)
            } else if case .direct(let mode, let pool) = placement {
                try await prepareMacvtap(&port, request, live: live, mode: mode, pool: pool)
                if let holder {
                    port.holderPID = holder.pid
                    port.holderStartTime = holder.startTime
                }
            } else if case .ovs = placement, request.type == .vhostuser {
                try await prepareVhostUser(&port, request, attachment: attachment)
            } else {
                try await prepareBridgePort(&port, request, queues: queues)
            }
            if case .ovs = placement { Self.completeOpenvSwitchProfile(&port) }
            try Self.checkBandwidth(port.bandwidth, port: port, network: live)
            if request.filter != nil, port.device.isEmpty {
                throw PatchbayError(.invalidArgument, "a \(request.type.rawValue) port has no host device a filter could apply to")
            }
            try await store.insert(port)
            await faults.reach(.portCreateReserved)
            let driver = portDriver(for: port, attachment: attachment)
            do throws(PatchbayError) {
                if let filter = request.filter {
                    // Rules first: the device never carries a frame unfiltered.
                    _ = try await addNWFilterBinding(Self.binding(for: port, filter: filter, parameters: request.filterParameters ?? [:]),
                                                     port: port.uuid)
                } else {
                    try await applyPortACLs(port)
                }
                var created = try await driver.create(port, bridge: bridge)
                try await programVLANs(created, placement)
                if let bandwidth = created.bandwidth, Self.tcShapes(created, live) {
                    try await shaper.shapePort(created.device, bandwidth)
                    if (bandwidth.inbound?.floor ?? 0) > 0 { try await shapeBridge(network: name, live) }
                }
                created.phase = nil
                try await store.update(created)
                if created.holderPID != nil { kernelEvents.heldPortsMayExist.store(true, ordering: .relaxed) }
                logger.info("port created", metadata: ["network": "\(name)", "port": "\(created.uuid)", "device": "\(created.device)",
                                                       "owner": "\(owner)", "mac": "\(mac)"])
                events.publish(.port(.portCreated, created, "port \(created.device) created for '\(owner)' (\(mac))"))
                return (created, placement)
            } catch {
                do { try await driver.remove(port) } catch let undo {
                    logger.warning("cannot remove the device of a failed port", metadata: ["port": "\(port.uuid)", "error": "\(undo)"])
                }
                if request.filter != nil { await removeNWFilterBinding(ofPort: port.uuid, device: port.device) }
                try? await store.delete(port: port.uuid)
                await removePortACLs(device: port.device)
                await unshape(port, network: name, live: live)
                throw PatchbayError(error.code, "cannot create a port on network '\(name)': \(error.message)", cause: error.cause)
            }
        }
        // A host bridge's guard knows its guest ports by name (every other port is the host's).
        if port.role == .uplink || placement.isHostBridge { await publishGuardedBridges() }
        return port
    }

    /// The bridge a new port goes on, checked: the network's own (carrying its tag) or the host's
    /// (still a bridge); nil for networks whose ports sit on NICs.
    private func portBridge(_ placement: PortPlacement, record: NetworkRecord, live: NetworkDefinition) async throws(PatchbayError) -> LinkSnapshot? {
        let name = record.name
        switch placement {
        case .ownedBridge(let bridgeName):
            guard let bridge = try await links.link(named: bridgeName),
                  bridge.tag == .network(live.uuid) || record.legacyUntagged else {
                throw PatchbayError(.operationInvalid, "the bridge '\(bridgeName)' of network '\(name)' is missing or not Patchbay's; restart the network")
            }
            return bridge
        case .hostBridge:
            return try await HostBridgeNetworkDriver(links: links, logger: logger).hostBridge(live)
        case .direct:
            return nil
        case .hostdev, .ovs:
            return nil
        case .unsupported(let reason):
            throw PatchbayError(.operationInvalid, "cannot create a port on network '\(name)': \(reason)")
        }
    }

    /// The device of a port on a bridge: a new `vnetN` TAP, an existing TAP to adopt, or a veth
    /// pair into a namespace.
    private func prepareBridgePort(_ port: inout NetworkPort, _ request: CreatePortRequest, queues: Int) async throws(PatchbayError) {
        switch request.type {
        case .tap where request.device != nil:
            try await prepareAdoption(&port, device: request.device ?? "")
        case .tap:
            guard request.namespace == nil else {
                throw PatchbayError(.invalidArgument, "--netns is for veth ports; a TAP port is opened by QEMU on the host")
            }
            port.device = try await freeDeviceName(deviceNames)
            port.temporaryDevice = OwnershipTag.temporaryDeviceName()
        case .veth:
            guard let namespace = request.namespace else {
                throw PatchbayError(.invalidArgument, "a veth port needs --netns: the namespace that gets the other end")
            }
            guard !namespace.isEmpty, !namespace.contains("/"), namespace != ".", namespace != "..",
                  await links.namespaceExists(namespace) else {
                throw PatchbayError(.notFound, "network namespace '\(namespace)' does not exist (no /run/netns/\(namespace))")
            }
            guard request.queues == nil || queues == 1 else { throw PatchbayError(.invalidArgument, "queues are for TAP ports") }
            port.device = try await freeDeviceName(deviceNames)
            port.temporaryDevice = OwnershipTag.temporaryDeviceName()
            port.namespace = namespace
            port.peerName = request.peerName ?? "eth0"
        case .macvtap, .hostdev:
            throw PatchbayError(.invalidArgument, "network '\(port.network)' puts its ports on a bridge; macvtap ports are for direct networks (forward mode bridge with <interface dev>, private, vepa, passthrough)")
        case .vhostuser:
            throw PatchbayError(.invalidArgument, "network '\(port.network)' is not an Open vSwitch network; vhost-user ports need one whose bridge runs OVS-DPDK")
        }
    }

    /// A port of a hostdev network holds the pool's first VF that no stored port holds (libvirt's
    /// networkAllocatePort); the choice is stored before the VF is touched, so a crash leaves a
    /// `creating` port whose VF recovery gives back.
    private func prepareHostdev(_ port: inout NetworkPort, _ request: CreatePortRequest, live: NetworkDefinition) async throws(PatchbayError) {
        let name = live.name
        guard request.type == .tap, request.device == nil, request.namespace == nil else {
            throw PatchbayError(.invalidArgument, "network '\(name)' is a hostdev network: its ports are SR-IOV virtual functions given to the guest, not TAPs, veths or macvtaps")
        }
        let hostdev = try HostdevNetworkDriver.require(self.hostdev, network: name)
        // Fails now, before anything is stored, for a trunk or several tags.
        _ = try VirtualFunctionConfig.forPort(mac: port.mac, vlan: port.vlan, trustGuestRxFilters: port.trustGuestRxFilters, network: name)
        let pool = try await hostdev.pool(of: live.forward, network: name)
        let inUse = try await store.ports().compactMap { $0.hostdev?.vf.address }
        let vf = try HostdevPool.pick(pool: pool, inUse: inUse, network: name)
        port.type = .hostdev
        port.device = "pci-\(vf.address)"
        port.hostdev = HostdevAssignment(vf: vf, boundToVFIO: false, previousDriver: vf.driver, previousMAC: nil, previousVLAN: nil,
                                         plug: NetworkPortDefinition.HostdevPCI(address: vf.address, managed: live.forward.managed,
                                                                                driverName: live.forward.driverName,
                                                                                driverModel: live.forward.driverModel))
    }

    /// A port of a direct network is a macvtap (asked for as such, or as the default TAP) on the
    /// pool's NIC that libvirt would pick (`PortPlacement.pickDevice`), counting the ports stored
    /// on each NIC, which is what survives a restart. Passthrough also needs the NIC free of any
    /// other macvtap or macvlan, whoever made it, and records the NIC's MAC to restore.
    private func prepareMacvtap(_ port: inout NetworkPort, _ request: CreatePortRequest, live: NetworkDefinition,
                                mode: NetworkPortDefinition.DirectMode, pool: [String]) async throws(PatchbayError) {
        let name = live.name
        guard request.type != .veth, request.device == nil, request.namespace == nil else {
            throw PatchbayError(.invalidArgument, "network '\(name)' is a direct (macvtap) network: its ports are macvtap devices that QEMU opens, not veth pairs or adopted TAPs")
        }
        if let vlan = port.vlan, !vlan.tags.isEmpty {
            throw PatchbayError(.operationInvalid, "network '\(name)': a VLAN tag on a \(mode.rawValue) port needs an SR-IOV virtual function to carry it; a macvtap on a plain NIC cannot")
        }
        guard !pool.isEmpty else {
            throw PatchbayError(.invalidArgument, "network '\(name)' uses a direct mode, but has no forward dev and no interface pool")
        }
        var connections: [String: Int] = [:]
        for stored in try await store.ports(network: name) where stored.type == .macvtap {
            if let lower = stored.lowerDevice { connections[lower, default: 0] += 1 }
        }
        let exclusive = mode == .passthrough
        if exclusive {
            // Another network's (or program's) macvtap on a NIC makes it unusable for passthrough too.
            let all = try await links.links()
            for device in pool {
                guard let nic = all.first(where: { $0.name == device }) else { continue }
                if all.contains(where: { $0.lowerIndex == nic.index && ($0.kind == "macvtap" || $0.kind == "macvlan") }) {
                    connections[device, default: 0] += 1
                }
            }
        }
        guard let device = PortPlacement.pickDevice(pool: pool, connections: connections, exclusive: exclusive) else {
            throw PatchbayError(.operationInvalid, "network '\(name)' requires exclusive access to interfaces, but none are available (every NIC of its pool, \(pool.joined(separator: ", ")), is in use)")
        }
        let nic = try await DirectNetworkDriver.nic(device, of: live, links: links)
        port.type = .macvtap
        port.lowerDevice = device
        port.directMode = mode
        if exclusive { port.savedLowerMAC = nic.mac }
        port.device = try await freeDeviceName(macvtapNames)
        port.temporaryDevice = OwnershipTag.temporaryDeviceName()
    }

    /// An adopted TAP must exist and be a TAP, and may not be another live port's device. A
    /// stored port with the same device name whose device is gone, or is another device now (the
    /// kernel reuses `vnetN` as soon as QEMU closes one), is stale and is dropped.
    private func prepareAdoption(_ port: inout NetworkPort, device: String) async throws(PatchbayError) {
        guard device.hasPrefix("vnet") || device.hasPrefix("tap"), let link = try await links.link(named: device), link.kind == "tun" else {
            throw PatchbayError(.notFound, "no TAP device '\(device)' to adopt")
        }
        if let holder = try await store.port(withDevice: device) {
            if holder.interfaceIndex == link.index && link.tag == holder.tag {
                throw PatchbayError(.alreadyExists, "device '\(device)' already belongs to port \(holder.uuid) on network '\(holder.network)'")
            }
            try await store.delete(port: holder.uuid)
            logger.info("dropped a stale port whose device name the kernel reused",
                        metadata: ["network": "\(holder.network)", "port": "\(holder.uuid)", "device": "\(device)"])
        }
        if case .port(let owner)? = link.tag, let tagged = try await store.port(uuid: owner), tagged.device != device {
            throw PatchbayError(.alreadyExists, "device '\(device)' carries the tag of port \(owner)")
        }
        port.device = device
        port.interfaceIndex = link.index
        port.adopted = true
    }

    /// A `vnetN` (`macvtapN`) that neither the kernel nor any stored port has: the candidates
    /// after the last one handed out (`DeviceNameCounter`), each checked with one link lookup and
    /// one store lookup, rather than a dump of every link and a read of every port. Two creations
    /// never test the same candidate; a device someone makes under the name between the check and
    /// the creation fails that creation, as it did before.
    private func freeDeviceName(_ names: DeviceNameCounter) async throws(PatchbayError) -> String {
        while true {
            let candidate = names.candidate()
            if try await links.link(named: candidate) == nil, try await store.port(withDevice: candidate) == nil { return candidate }
        }
    }

    /// `net-port-list`, with each port's state read from the kernel.
    public func ports(network name: String) async throws(PatchbayError) -> [NetworkPort] {
        let record = try await requireRecord(name)
        var ports = try await store.ports(network: name)
        guard !ports.isEmpty else { return [] }
        if case .ovs(let bridgeName, _) = PortPlacement(record.current) {
            return try await ovsPorts(ports, bridge: bridgeName)
        }
        var states: [Int32: BridgePortStatus] = [:]
        if let bridgeName = record.current.bridge.name, let bridge = try await links.link(named: bridgeName) {
            for status in try await links.bridgePorts(ofBridge: bridge.index) { states[status.index] = status }
        }
        let devices = PortDevices(links: links, faults: .none, logger: logger)
        for index in ports.indices {
            let port = ports[index]
            if port.phase != nil {
                ports[index].state = .pending
            } else if port.type == .hostdev {
                // The VF is the guest's: the host has no device of it to read a state from.
                ports[index].state = nil
            } else if port.type == .macvtap {
                // Not a bridge port: up is as forwarding as a macvtap gets; down, off the network.
                ports[index].state = try await devices.find(port).map { $0.isUp ? .forwarding : .detached } ?? .missing
            } else if let device = port.interfaceIndex, let status = states[device] {
                ports[index].state = PortState(status)
            } else if port.interfaceIndex == nil, let status = states.values.first(where: { $0.name == port.device }) {
                ports[index].state = PortState(status)
            } else {
                ports[index].state = try await devices.find(port) != nil ? .detached : .missing
            }
        }
        return ports
    }

    /// `net-port-dumpxml`: libvirt's `<networkport>` document, with the plug networkAllocatePort
    /// gives the network's forward mode (src/network/bridge_driver.c): `network` for the bridges
    /// Patchbay makes, `bridge` for a host bridge, `direct` with the NIC and mode for macvtap; and
    /// what the port took from its portgroup and network.
    public func portXML(network name: String, uuid: NetworkUUID) async throws(PatchbayError) -> String {
        let port = try await port(network: name, uuid: uuid)
        let current = try await requireRecord(name).current
        let bridge = current.bridge
        let plug: NetworkPortDefinition.Plug?
        switch PortPlacement(current) {
        case .ownedBridge(let bridgeName): plug = .network(bridge: bridgeName, macTableManager: bridge.macTableManager)
        case .hostBridge(let bridgeName): plug = .bridge(bridge: bridgeName, macTableManager: bridge.macTableManager)
        case .direct(let mode, _): plug = port.lowerDevice.map { .direct(dev: $0, mode: port.directMode ?? mode) }
        case .hostdev: plug = port.hostdev.map { .hostdevPCI($0.plug) }
        // libvirt's networkAllocatePort: an OVS bridge of a bridge-mode network is `bridge`;
        // one a routed network owns, `network`.
        case .ovs(let bridgeName, _) where current.forward.mode.createsBridge: plug = .network(bridge: bridgeName, macTableManager: nil)
        case .ovs(let bridgeName, _): plug = .bridge(bridge: bridgeName, macTableManager: nil)
        case .unsupported: plug = nil
        }
        var definition = NetworkPortDefinition(uuid: port.uuid, ownerName: port.ownerName, ownerUUID: port.ownerUUID, mac: port.mac, plug: plug)
        definition.group = port.group
        definition.vlan = port.vlan
        definition.bandwidth = port.bandwidth
        definition.virtualPort = port.virtualPort
        definition.trustGuestRxFilters = port.trustGuestRxFilters
        return NetworkPortXMLFormatter.format(definition)
    }

    /// `net-port-delete`: marked first, then the device (if it is the port's own), then the
    /// record.
    public func deletePort(network name: String, uuid: NetworkUUID) async throws(PatchbayError) {
        let republish = try await withNetworkLock(name) { () async throws(PatchbayError) -> Bool in
            var port = try await port(network: name, uuid: uuid)
            let placement = PortPlacement(try await requireRecord(name).current)
            let hostBridge = placement.isHostBridge
            // Open vSwitch down: refused before anything changes.
            let attachment = try await ovsAttachment(placement, network: name, bridgeMayBeGone: true)
            port.phase = .deleting
            try await store.update(port)
            await faults.reach(.portDeleteMarked)
            try await portDriver(for: port, attachment: attachment).remove(port)
            await faults.reach(.portDeleteDevice)
            try await store.delete(port: uuid)
            await removeNWFilterBinding(ofPort: uuid, device: port.device)
            await removePortACLs(device: port.device)
            if let live = try await store.network(named: name)?.live { await unshape(port, network: name, live: live) }
            logger.info("port deleted", metadata: ["network": "\(name)", "port": "\(uuid)", "device": "\(port.device)"])
            events.publish(.port(.portDeleted, port, "port \(port.device) of '\(port.ownerName)' deleted"))
            return port.role == .uplink || hostBridge
        }
        if republish { await publishGuardedBridges() }
    }

    /// `domiflist OWNER`.
    public func interfaces(owner: String) async throws(PatchbayError) -> [DomainInterface] {
        let ports = try await store.ports().filter { $0.ownerName == owner }
        guard !ports.isEmpty else { throw PatchbayError(.notFound, "no ports belong to '\(owner)'") }
        return ports.map { DomainInterface(interface: $0.device, type: "network", source: $0.network, model: "-", mac: $0.mac.description) }
    }

    /// `domifstat OWNER IFACE`.
    public func interfaceStatistics(owner: String, interface: String) async throws(PatchbayError) -> InterfaceStatistics {
        guard let port = try await store.ports().first(where: { $0.ownerName == owner && ($0.device == interface || $0.mac.description == interface.lowercased()) }) else {
            throw PatchbayError(.notFound, "'\(owner)' has no interface '\(interface)'")
        }
        let devices = PortDevices(links: links, faults: .none, logger: logger)
        guard let link = try await devices.find(port), var stats = try await links.guestStatistics(index: link.index) else {
            throw PatchbayError(.notFound, "device \(port.device) of '\(owner)' is gone")
        }
        stats.interface = port.device
        return stats
    }

    /// Forgets ports whose device went for good: adopted TAPs that QEMU closed (or whose name the
    /// kernel has given to another TAP since), veth pairs whose namespace was deleted. Persistent
    /// TAPs stay: they are made again at the network's next start. The daemon calls this every
    /// second; returns the ports removed.
    @discardableResult
    public func sweepVanishedPorts() async -> [NetworkPort] {
        let vanished: [NetworkPort]
        var removed: [NetworkPort] = []
        do {
            let all = try await store.portsThatMayVanish().filter { $0.phase == nil }
            guard !all.isEmpty else { return [] }
            removed = await sweepHeldPorts(all.filter { $0.holderPID != nil })
            vanished = try await self.vanished(all.filter { $0.holderPID == nil })
        } catch {
            logger.warning("port sweep: cannot read ports or links", metadata: ["error": "\(error)"])
            return removed
        }
        for port in vanished {
            let gone: Bool? = try? await withNetworkLock(port.network) { () async throws(PatchbayError) -> Bool in
                // Looked at again under the lock: the port may have been deleted or re-made.
                guard let current = try await store.port(uuid: port.uuid), current.network == port.network,
                      current.phase == nil, try await !isAlive(current) else { return false }
                try await store.delete(port: current.uuid)
                // An OVS row outlives its device (ovs-vswitchd shows it with an error): it goes too.
                if let ovs = self.ovs?.ovs, let record = try await store.network(named: current.network),
                   PortPlacement(record.current).ovsBridge != nil {
                    try? await ovs.deletePort(named: current.device)
                }
                return true
            }
            if gone == true {
                removed.append(port)
                logger.info("port removed: its device is gone", metadata: ["network": "\(port.network)", "port": "\(port.uuid)", "device": "\(port.device)"])
                events.publish(.port(.portDeleted, port, "port \(port.device) of '\(port.ownerName)' removed: its device is gone"))
            }
        }
        return removed
    }

    /// Macvtaps the bridge helper made for a QEMU process outlive its descriptors, so they are
    /// deleted, device and record, once that process (pid and start time) is gone.
    @discardableResult
    func sweepHeldPorts(_ ports: [NetworkPort]) async -> [NetworkPort] {
        var removed: [NetworkPort] = []
        for port in ports {
            guard let pid = port.holderPID, await links.processStartTime(pid) != port.holderStartTime else { continue }
            let gone: Bool? = try? await withNetworkLock(port.network) { () async throws(PatchbayError) -> Bool in
                guard var current = try await store.port(uuid: port.uuid), current.phase == nil, current.holderPID == pid else { return false }
                current.phase = .deleting
                try await store.update(current)
                try await portDriver(for: current).remove(current)
                try await store.delete(port: current.uuid)
                return true
            }
            if gone == true {
                removed.append(port)
                events.publish(.port(.portDeleted, port, "port \(port.device) of '\(port.ownerName)' removed: process \(pid) is gone"))
                logger.info("port removed: the process it was made for is gone",
                            metadata: ["network": "\(port.network)", "port": "\(port.uuid)", "device": "\(port.device)", "pid": "\(pid)"])
            }
        }
        return removed
    }

    /// Above this many ports that may vanish, the sweep dumps every link once instead of looking
    /// each port's device up.
    static let sweepLookupLimit = 32

    /// The ports whose device is gone. Few of them (a veth or two beside a thousand TAPs
    /// Patchbay keeps) are looked up one by one, so the sweep does not dump every link each
    /// second; many are checked against one dump, which then costs less than their lookups.
    private func vanished(_ ports: [NetworkPort]) async throws(PatchbayError) -> [NetworkPort] {
        guard ports.count <= Self.sweepLookupLimit else {
            let links = try await self.links.links()
            let byIndex = Dictionary(links.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
            let byName = Dictionary(links.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            return ports.filter { !Self.isAlive($0, byIndex: byIndex, byName: byName) }
        }
        var gone: [NetworkPort] = []
        for port in ports where try await !isAlive(port) { gone.append(port) }
        return gone
    }

    /// Whether the port's device is still there and still the port's: one lookup, by index (and
    /// tag) or, for a port stored before indexes were, by name.
    private func isAlive(_ port: NetworkPort) async throws(PatchbayError) -> Bool {
        if let index = port.interfaceIndex { return try await links.link(index: index).map { $0.tag == port.tag } ?? false }
        return try await links.link(named: port.device) != nil
    }

    static func isAlive(_ port: NetworkPort, byIndex: [Int32: LinkSnapshot], byName: [String: LinkSnapshot]) -> Bool {
        if let index = port.interfaceIndex {
            guard let link = byIndex[index] else { return false }
            return link.tag == port.tag
        }
        return byName[port.device] != nil
    }

    /// Puts the ports of a network (back) on its bridge, or brings its macvtaps back up: after
    /// `net-start`, and at daemon start. Ports whose device is gone for good are dropped. Called
    /// with the network's lock held.
    func attachPorts(of name: String, definition: NetworkDefinition) async -> [String] {
        var notes: [String] = []
        do {
            var bridge: LinkSnapshot?
            let placement = PortPlacement(definition)
            if let bridgeName = placement.bridge {
                guard let found = try await links.link(named: bridgeName) else { return [] }
                bridge = found
            }
            let attachment = try await ovsAttachment(placement, network: name, readPorts: true)
            for stored in try await store.ports(network: name) where stored.phase == nil {
                var port = stored
                port.isolatedByNetwork = definition.portIsolated == true  // bridge controls (issue 13)
                do {
                    if let attached = try await portDriver(for: port, attachment: attachment).attach(port, bridge: bridge) {
                        try await programVLANs(attached, PortPlacement(definition))
                        if let bandwidth = attached.bandwidth, Self.tcShapes(attached, definition) { try await shaper.shapePort(attached.device, bandwidth) }
                        if attached != stored { try await store.update(attached) }
                    } else {
                        try await store.delete(port: port.uuid)
                        notes.append("port \(port.uuid): device \(port.device) is gone; port removed")
                    }
                } catch {
                    notes.append("port \(port.uuid): \(error)")
                }
            }
        } catch {
            notes.append("cannot attach ports: \(error)")
        }
        return notes
    }

    /// A host bridge port's VLANs (from its `<vlan>` or portgroup), with bridge VLAN filtering;
    /// the network's start checked the bridge filters.
    private func programVLANs(_ port: NetworkPort, _ placement: PortPlacement) async throws(PatchbayError) {
        guard placement.isHostBridge, let vlan = port.vlan, let index = port.interfaceIndex else { return }
        let entries = BridgeVLANEntry.entries(for: vlan)
        guard !entries.isEmpty else { return }
        try await links.setBridgeVLANs(portIndex: index, entries)
    }

    /// Takes a stopping network's ports off a bridge that is not Patchbay's (a host bridge stays
    /// up, and a guest must not stay on the LAN through a stopped network), or sets its macvtaps
    /// down. Ports on a bridge Patchbay deletes need nothing: the kernel releases them. The
    /// devices stay, and `attachPorts` puts them back at the next start.
    func detachPorts(of name: String, definition: NetworkDefinition) async -> [String] {
        let placement = PortPlacement(definition)
        var ovsBridge: String?
        if case .ovs(let bridge, owned: false) = placement { ovsBridge = bridge }
        guard placement.isHostBridge || placement.isDirect || ovsBridge != nil else { return [] }
        var notes: [String] = []
        let devices = PortDevices(links: links, faults: .none, logger: logger)
        for port in (try? await store.ports(network: name)) ?? [] where port.phase == nil {
            do {
                if ovsBridge != nil {
                    // The administrator's OVS bridge stays up: the network's ports leave it.
                    try await ovs?.ovs.deletePort(named: port.device)
                } else if port.type == .macvtap {
                    try await MacvtapPortDriver(devices: devices).detach(port)
                } else if let link = try await devices.find(port), link.masterIndex != nil {
                    try await links.setMaster(index: link.index, masterIndex: 0)
                }
            } catch {
                notes.append("port \(port.uuid): \(error)")
            }
        }
        return notes
    }

    func port(network name: String, uuid: NetworkUUID) async throws(PatchbayError) -> NetworkPort {
        guard let port = try await store.port(uuid: uuid), port.network == name else {
            if try await store.network(named: name) == nil { throw PatchbayError(.notFound, "network '\(name)' not found") }
            throw PatchbayError(.notFound, "network '\(name)' has no port \(uuid)")
        }
        return port
    }
}

extension String {
    /// Without leading and trailing spaces (the pure targets do without Foundation's trimming).
    var trimmingPrefixAndSuffixSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[first...last])
    }
}

extension NetworkEngine {
    /// The `<filterbinding>` a port makes for itself, as virtqemud makes one for an
    /// `<interface>` with a `<filterref>` (virNWFilterBindingDefForNet).
    static func binding(for port: NetworkPort, filter: String, parameters: [String: [String]]) throws(PatchbayError) -> NWFilterBinding {
        guard NWFilterXMLParser.isValidFilterName(filter) else {
            throw PatchbayError(.invalidArgument, "'\(filter)' is not a filter name")
        }
        var values = NWFilterParameters()
        for (name, list) in parameters.sorted(by: { $0.key < $1.key }) {
            guard NWFilterVariableAccess.isValidName(name) else {
                throw PatchbayError(.invalidArgument, "filter parameter name '\(name)' may hold only letters, digits and '_'")
            }
            for value in list {
                guard NWFilterParameters.isValidValue(value) else {
                    throw PatchbayError(.invalidArgument, "filter parameter \(name)='\(value)' may hold only letters, digits and '_', '.', ':'")
                }
            }
            values.set(name, to: list)
        }
        return NWFilterBinding(ownerName: port.ownerName, ownerUUID: port.ownerUUID ?? port.uuid, portDevice: port.device,
                               mac: port.mac, filter: NWFilterReference(filter: filter, parameters: values))
    }
}
