import Foundation
import LibvirtXML
import PatchbayModel
import PatchbayStore

extension NetworkEngine {
    /// `net-port-create`: a TAP (for QEMU) or a veth pair (for a namespace) on an active
    /// network's bridge, stored. On failure nothing stays behind.
    public func createPort(network name: String, _ request: CreatePortRequest) throws(PatchbayError) -> NetworkPort {
        let (devices, store) = try portServices()
        let record = try networkRecord(name)
        guard let live = record.live else { throw PatchbayError(.operationInvalid, "network '\(name)' is not active") }
        guard live.forward.mode.createsBridge, let bridge = live.bridge.name else {
            throw PatchbayError(.operationInvalid, "network '\(name)' (forward mode '\(live.forward.mode.rawValue)') has no bridge of Patchbay's to attach ports to")
        }
        let owner = request.ownerName.trimmingCharacters(in: .whitespaces)
        guard !owner.isEmpty, owner.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw PatchbayError(.invalidArgument, "the owner name '\(request.ownerName)' must be non-empty text without control characters")
        }
        let queues = request.queues ?? 1
        guard (1...256).contains(queues) else { throw PatchbayError(.invalidArgument, "queues must be from 1 to 256, not \(queues)") }
        let existing = try store.ports()
        if let mac = request.mac, let clash = existing.first(where: { $0.mac == mac }) {
            throw PatchbayError(.alreadyExists, "MAC address \(mac) is already used by port \(clash.uuid) of \(clash.ownerName) on network '\(clash.network)'")
        }
        var mac = request.mac ?? MACAddress.randomLibvirt()
        while request.mac == nil && existing.contains(where: { $0.mac == mac }) { mac = MACAddress.randomLibvirt() }

        var reverter = Reverter()
        var port = NetworkPort(uuid: NetworkUUID.random(), network: name, ownerName: owner, ownerUUID: request.ownerUUID, mac: mac,
                               type: request.type, device: "", queues: queues, ownerUID: request.ownerUID, ownerGID: request.ownerGID)
        do throws(PatchbayError) {
            switch request.type {
            case .tap where request.device != nil:
                let device = request.device ?? ""
                guard device.hasPrefix("vnet") || device.hasPrefix("tap"), try devices.exists(device) else {
                    throw PatchbayError(.notFound, "no TAP device '\(device)' to adopt")
                }
                guard !existing.contains(where: { $0.device == device }) else {
                    throw PatchbayError(.alreadyExists, "device '\(device)' already belongs to a port")
                }
                port.device = device
                port.adopted = true
                if request.mac != nil, let hostMAC = MACAddress(bytes: [0xFE] + mac.bytes.dropFirst()) {
                    try devices.setMAC(named: device, hostMAC)
                }
            case .tap:
                guard request.namespace == nil else {
                    throw PatchbayError(.invalidArgument, "--netns is for veth ports; a TAP port is opened by QEMU on the host")
                }
                port.device = try devices.createTap(template: "vnet%d", multiQueue: queues > 1, owner: request.ownerUID, group: request.ownerGID)
                let device = port.device
                reverter.add("delete \(device)") { () throws(PatchbayError) in try devices.deleteLink(named: device) }
                // libvirt's rule: the host end carries the guest MAC with 0xFE first, so the
                // bridge never adopts the guest's address as its own.
                var host = mac.bytes
                host[0] = 0xFE
                if let hostMAC = MACAddress(bytes: host) { try devices.setMAC(named: device, hostMAC) }
            case .veth:
                guard let namespace = request.namespace else {
                    throw PatchbayError(.invalidArgument, "a veth port needs --netns: the namespace that gets the other end")
                }
                guard !namespace.isEmpty, !namespace.contains("/"), namespace != ".", namespace != "..",
                      FileManager.default.fileExists(atPath: "/run/netns/\(namespace)") else {
                    throw PatchbayError(.notFound, "network namespace '\(namespace)' does not exist (no /run/netns/\(namespace))")
                }
                guard request.queues == nil || queues == 1 else { throw PatchbayError(.invalidArgument, "queues are for TAP ports") }
                let names = try devices.linkNames()
                let device = (0...).lazy.map { "vnet\($0)" }.first { !names.contains($0) } ?? "vnet0"
                let peer = request.peerName ?? "eth0"
                try devices.createVeth(name: device, peer: peer, peerMAC: mac, namespacePath: "/run/netns/\(namespace)")
                reverter.add("delete \(device)") { () throws(PatchbayError) in try devices.deleteLink(named: device) }
                port.device = device
                port.namespace = namespace
                port.peerName = peer
            }
            try devices.setMaster(named: port.device, master: bridge)
            try devices.setLinkUp(named: port.device, true)
            try store.insert(port)
        } catch {
            reverter.revert(logger: logger)
            throw PatchbayError(error.code, "cannot create a port on network '\(name)': \(error.message)", cause: error.cause)
        }
        logger.info("port created", metadata: ["network": "\(name)", "port": "\(port.uuid)", "device": "\(port.device)",
                                               "owner": "\(owner)", "mac": "\(mac)"])
        return port
    }

    /// `net-port-list`.
    public func ports(network name: String) throws(PatchbayError) -> [NetworkPort] {
        let record = try networkRecord(name)
        let (devices, store) = try portServices()
        var ports = try store.ports(network: name)
        guard !ports.isEmpty else { return [] }
        let states = try record.current.bridge.name.map { name throws(PatchbayError) in try devices.bridgePortStates(ofBridge: name) } ?? [:]
        for index in ports.indices {
            let device = ports[index].device
            if let status = states[device] {
                ports[index].state = status.carrier ? status.state.description : "no-carrier"
            } else {
                ports[index].state = try devices.exists(device) ? "detached" : "missing"
            }
        }
        return ports
    }

    /// `net-port-dumpxml`: libvirt's `<networkport>` document.
    public func portXML(network name: String, uuid: NetworkUUID) throws(PatchbayError) -> String {
        let port = try port(network: name, uuid: uuid)
        let bridge = try networkRecord(name).current.bridge.name ?? ""
        var lines = ["<networkport>", "  <uuid>\(port.uuid)</uuid>", "  <owner>", "    <name>\(XMLWriter.escape(port.ownerName))</name>"]
        if let ownerUUID = port.ownerUUID { lines.append("    <uuid>\(ownerUUID)</uuid>") }
        lines += ["  </owner>", "  <mac address='\(port.mac)'/>", "  <plug type='network' bridge='\(XMLWriter.escape(bridge))'/>", "</networkport>"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// `net-port-delete`: the device goes, then the record.
    public func deletePort(network name: String, uuid: NetworkUUID) throws(PatchbayError) {
        let (devices, store) = try portServices()
        let port = try port(network: name, uuid: uuid)
        if try devices.exists(port.device) { try devices.deleteLink(named: port.device) }
        try store.delete(port: uuid)
        logger.info("port deleted", metadata: ["network": "\(name)", "port": "\(uuid)", "device": "\(port.device)"])
    }

    /// `domiflist OWNER`.
    public func interfaces(owner: String) throws(PatchbayError) -> [DomainInterface] {
        let ports = try portServices().store.ports().filter { $0.ownerName == owner }
        guard !ports.isEmpty else { throw PatchbayError(.notFound, "no ports belong to '\(owner)'") }
        return ports.map { DomainInterface(interface: $0.device, type: "network", source: $0.network, model: "-", mac: $0.mac.description) }
    }

    /// `domifstat OWNER IFACE`.
    public func interfaceStatistics(owner: String, interface: String) throws(PatchbayError) -> InterfaceStatistics {
        let (devices, store) = try portServices()
        guard let port = try store.ports().first(where: { $0.ownerName == owner && ($0.device == interface || $0.mac.description == interface.lowercased()) }) else {
            throw PatchbayError(.notFound, "'\(owner)' has no interface '\(interface)'")
        }
        guard let stats = try devices.guestStatistics(of: port.device) else {
            throw PatchbayError(.notFound, "device \(port.device) of '\(owner)' is gone")
        }
        return stats
    }

    /// Forgets adopted ports whose TAP is gone (QEMU closed it). The daemon calls this every
    /// second; returns the ports removed.
    @discardableResult
    public func sweepVanishedPorts() -> [NetworkPort] {
        guard let devices = portDevices, let store = portStore, let ports = try? store.ports() else { return [] }
        var removed: [NetworkPort] = []
        for port in ports where port.adopted {
            guard (try? devices.exists(port.device)) == false else { continue }
            if (try? store.delete(port: port.uuid)) != nil {
                removed.append(port)
                logger.info("port removed: its TAP closed", metadata: ["network": "\(port.network)", "port": "\(port.uuid)", "device": "\(port.device)"])
            }
        }
        return removed
    }

    /// Puts the ports of a network (back) on its bridge: after `net-start`, and at daemon start.
    func attachPorts(of definition: NetworkDefinition) -> [String] {
        guard let devices = portDevices, let store = portStore, let bridge = definition.bridge.name,
              let ports = try? store.ports(network: definition.name) else { return [] }
        var notes: [String] = []
        for port in ports {
            do {
                guard try devices.exists(port.device) else {
                    notes.append("port \(port.uuid): device \(port.device) is gone")
                    continue
                }
                try devices.setMaster(named: port.device, master: bridge)
                try devices.setLinkUp(named: port.device, true)
            } catch {
                notes.append("port \(port.uuid): \(error)")
            }
        }
        return notes
    }

    func deletePorts(of network: String) {
        guard let devices = portDevices, let store = portStore, let ports = try? store.ports(network: network) else { return }
        for port in ports {
            if (try? devices.exists(port.device)) == true { try? devices.deleteLink(named: port.device) }
            try? store.delete(port: port.uuid)
        }
    }

    private func port(network name: String, uuid: NetworkUUID) throws(PatchbayError) -> NetworkPort {
        guard let port = try portServices().store.ports(network: name).first(where: { $0.uuid == uuid }) else {
            throw PatchbayError(.notFound, "network '\(name)' has no port \(uuid)")
        }
        return port
    }

    private func portServices() throws(PatchbayError) -> (devices: any PortDeviceManaging, store: any PortStore) {
        guard let portDevices, let portStore else { throw PatchbayError(.unavailable, "this daemon manages no ports") }
        return (portDevices, portStore)
    }
}
