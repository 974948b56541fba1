import PatchbayModel
import PatchbayStore

extension NetworkEngine {
    /// The OVS side of a network's ports, checked: Open vSwitch answers and has the bridge. nil for
    /// networks that are not OVS ones. `readPorts` also reads the bridge's ports, for repairs that
    /// must not rewrite rows that are right; `bridgeMayBeGone` gives an attachment without the
    /// bridge (to remove rows wherever they are) instead of refusing.
    func ovsAttachment(_ placement: PortPlacement, network: String, readPorts: Bool = false,
                       bridgeMayBeGone: Bool = false) async throws(PatchbayError) -> OVSAttachment? {
        guard case .ovs(let bridgeName, _) = placement else { return nil }
        let ovs = try OVSSetup.required(self.ovs, network: network).ovs
        guard let state = try await ovs.bridge(named: bridgeName) else {
            if bridgeMayBeGone { return OVSAttachment(ovs: ovs, bridge: bridgeName, datapath: "") }
            throw PatchbayError(.notFound, "the Open vSwitch bridge '\(bridgeName)' of network '\(network)' is gone; restart the network")
        }
        var attachment = OVSAttachment(ovs: ovs, bridge: bridgeName, datapath: state.datapathType.isEmpty ? "system" : state.datapathType)
        if readPorts {
            attachment.existing = Dictionary(state.ports.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        return attachment
    }

    /// libvirt gives every Open vSwitch port an `interfaceid` when the interface has none
    /// (virNetDevVPortProfileCheckComplete with generateMissing): it is the port's `iface-id` in
    /// OVS, which controllers (OVN, Neutron) bind to. A portgroup's `<virtualport>` without a type
    /// takes the network's (virNetDevVPortProfileMerge3).
    static func completeOpenvSwitchProfile(_ port: inout NetworkPort) {
        var profile = port.virtualPort ?? VirtualPortDefinition(type: .openvswitch)
        profile.type = .openvswitch
        if profile.interfaceID == nil { profile.interfaceID = NetworkUUID.random() }
        port.virtualPort = profile
    }

    /// A vhost-user port: only on a userspace (netdev) bridge of an ovs-vswitchd that runs DPDK,
    /// checked now so a port that could never pass traffic is refused with what is missing.
    func prepareVhostUser(_ port: inout NetworkPort, _ request: CreatePortRequest, attachment: OVSAttachment?) async throws(PatchbayError) {
        guard let attachment, let setup = ovs else {
            throw PatchbayError(.invalidArgument, "vhost-user ports need an Open vSwitch network")
        }
        guard request.device == nil, request.namespace == nil else {
            throw PatchbayError(.invalidArgument, "a vhost-user port has no device or namespace: QEMU serves its socket")
        }
        let system = try await setup.ovs.system()
        guard system.interfaceTypes.contains("dpdkvhostuserclient") else {
            throw PatchbayError(.operationInvalid, "vhost-user ports need ovs-vswitchd built with DPDK (its interface types lack dpdkvhostuserclient);"
                                    + " install openvswitch-switch-dpdk and select it (`update-alternatives --set ovs-vswitchd /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk`); `patchbay dpdk-check` says what else is missing")
        }
        guard system.dpdkInitialized else {
            throw PatchbayError(.operationInvalid, "vhost-user ports need DPDK initialised in ovs-vswitchd (other_config:dpdk-init=true, hugepages reserved and mounted); it is not: run `patchbay dpdk-check`")
        }
        guard attachment.datapath == "netdev" else {
            throw PatchbayError(.operationInvalid, "vhost-user ports need a userspace bridge (datapath_type=netdev); '\(attachment.bridge)' uses the '\(attachment.datapath)' datapath")
        }
        port.type = .vhostuser
        port.device = "vhu" + String(port.uuid.description.filter { $0 != "-" }.prefix(11))
        let path = request.socketPath ?? "\(setup.vhostUserDirectory)/\(port.device).sock"
        // sun_path holds 108 bytes with the terminating NUL.
        guard path.hasPrefix("/"), path.utf8.count <= 107, !path.contains("\0") else {
            throw PatchbayError(.invalidArgument, "the vhost-user socket path '\(path)' must be absolute and at most 107 bytes (a unix socket's limit)")
        }
        if let clash = try await store.ports().first(where: { $0.socketPath == path }) {
            throw PatchbayError(.alreadyExists, "the vhost-user socket '\(path)' is already port \(clash.uuid)'s")
        }
        port.socketPath = path
    }

    /// Puts every active OVS network back as its record says: its bridge (when it is Patchbay's),
    /// the internal port's addresses (a restarted ovs-vswitchd makes that device anew), and its
    /// ports' rows, found by their tags. What is already right is not written. The daemon calls
    /// this whenever the OVS monitor reports a change and after each reconnection; returns the
    /// repairs made.
    @discardableResult
    public func repairOVSNetworks() async -> [String] {
        guard ovs != nil, let records = try? await store.networks() else { return [] }
        var repairs: [String] = []
        for record in records {
            guard let live = record.live, record.intent == nil, case .ovs = PortPlacement(live) else { continue }
            let name = record.name
            let notes: [String]? = try? await withNetworkLock(name) { () async throws(PatchbayError) -> [String] in
                guard let current = try await store.network(named: name), let live = current.live, current.intent == nil else { return [] }
                let device = live.forward.mode.createsBridge ? try await links.link(named: live.bridge.name ?? "")?.index : nil
                var notes = try await driver(for: live).reconcile(live, adoptUntagged: false)
                notes += await attachPorts(of: name, definition: live)
                // The DHCP server sends on the internal port by its index: a re-made device has
                // a new one.
                if live.forward.mode.createsBridge, try await links.link(named: live.bridge.name ?? "")?.index != device {
                    await services.stop(name)
                    try await services.start(live)
                    notes.append("restarted DHCP and DNS on the re-made internal port")
                }
                return notes
            }
            for note in notes ?? [] {
                logger.info("Open vSwitch repair", metadata: ["network": "\(name)", "repair": "\(note)"])
                repairs.append("network \(name): \(note)")
            }
        }
        return repairs
    }

    /// What `net-info` says of an OVS network's bridge: its datapath and whose it is.
    public func ovsBridgeInfo(network name: String) async throws(PatchbayError) -> OVSBridgeInfo? {
        let record = try await requireRecord(name)
        guard case .ovs(let bridge, let owned) = PortPlacement(record.current) else { return nil }
        var info = OVSBridgeInfo(bridge: bridge, ownedByPatchbay: owned)
        if let ovs = self.ovs?.ovs, let state = try? await ovs.bridge(named: bridge) {
            info.datapathType = state.datapathType.isEmpty ? "system" : state.datapathType
            info.ports = state.ports.count
        }
        return info
    }

    /// Port states of an OVS network, from OVS's rows: forwarding once ovs-vswitchd has the
    /// device open (an OpenFlow port number) and its link is up; no-carrier with the link down
    /// (nobody holds the TAP, QEMU has not served the vhost-user socket); detached without a row;
    /// missing when the kernel device is gone too. With Open vSwitch down every port reads
    /// detached or missing by its device.
    func ovsPorts(_ ports: [NetworkPort], bridge: String) async throws(PatchbayError) -> [NetworkPort] {
        var rows: [String: OVSPortState] = [:]
        if let ovs = self.ovs?.ovs, let state = try? await ovs.bridge(named: bridge) {
            rows = Dictionary(state.ports.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let devices = PortDevices(links: links, faults: .none, logger: logger)
        var listed = ports
        for index in listed.indices {
            let port = listed[index]
            let hasDevice = port.type == .vhostuser ? true : try await devices.find(port) != nil
            if port.phase != nil {
                listed[index].state = .pending
            } else if let row = rows[port.device], (row.ofport ?? -1) > 0 {
                listed[index].state = row.linkState == "up" ? .forwarding : .noCarrier
            } else if rows[port.device] != nil, port.type == .vhostuser {
                listed[index].state = .noCarrier
            } else {
                listed[index].state = hasDevice ? .detached : .missing
            }
        }
        return listed
    }
}
