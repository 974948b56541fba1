import LibvirtXML
import NFTables
import Logging
import PatchbayModel
import PatchbayStore

/// The daemon's brain: turns API requests into store changes and driver calls, one at a time
/// (an actor), so two requests for the same network can never interleave their steps.
public actor NetworkEngine {
    private let store: any NetworkStore
    private let links: any LinkManaging
    private let services: any NetworkServices
    private let leaseStore: (any LeaseStore)?
    private let firewall: (any FirewallApplying)?
    private let forwardStore: (any PortForwardStore)?
    let portDevices: (any PortDeviceManaging)?
    let portStore: (any PortStore)?
    /// How bridges with `stp='on'` are protected against loops.
    public nonisolated let loopProtection: LoopProtection
    let logger: Logger

    public init(store: any NetworkStore, links: any LinkManaging, services: any NetworkServices = NoNetworkServices(),
                leases: (any LeaseStore)? = nil, firewall: (any FirewallApplying)? = nil,
                portForwards: (any PortForwardStore)? = nil, portDevices: (any PortDeviceManaging)? = nil,
                ports: (any PortStore)? = nil, loopProtection: LoopProtection = .loopGuard, logger: Logger) {
        self.loopProtection = loopProtection
        self.portDevices = portDevices
        self.portStore = ports
        self.store = store
        self.links = links
        self.services = services
        self.leaseStore = leases
        self.firewall = firewall
        self.forwardStore = portForwards
        self.logger = logger
    }

    // MARK: - Queries

    public func list() throws(PatchbayError) -> [NetworkSummary] {
        try store.networks().map(\.summary)
    }

    public func info(_ name: String) throws(PatchbayError) -> NetworkSummary {
        try record(name).summary
    }

    /// The definition as `virsh net-dumpxml` prints it: the running one while active unless
    /// `inactive` asks for the persistent one.
    public func xml(_ name: String, inactive: Bool) throws(PatchbayError) -> String {
        let record = try record(name)
        return NetworkXML.format(inactive ? record.definition : record.current, inactive: inactive)
    }

    // MARK: - Lifecycle

    /// `net-define`: a new network, or a new persistent definition for an existing one when the
    /// UUIDs match (libvirt's redefine). A running network keeps running with its old definition
    /// until it is restarted.
    public func define(xml: String) throws(PatchbayError) -> NetworkSummary {
        var definition: NetworkDefinition
        do { definition = try NetworkXML.read(xml, level: .define).definition } catch {
            throw PatchbayError(.invalidArgument, "invalid network XML: \(error.description)")
        }
        let name = definition.name
        let existing = try store.network(named: name)
        if let existing, definition.uuid != existing.definition.uuid {
            throw PatchbayError(.alreadyExists, "network '\(name)' already exists with UUID \(existing.definition.uuid)")
        }
        let all = try store.networks()
        if existing == nil, let other = all.first(where: { $0.definition.uuid == definition.uuid }) {
            throw PatchbayError(.alreadyExists, "network '\(other.name)' already has UUID \(definition.uuid)")
        }
        if definition.forward.mode.createsBridge {
            try assignBridgeName(&definition, previous: existing?.definition, others: all.filter { $0.name != name })
            // libvirt's virNetworkSetBridgeMacAddr: a fixed MAC so the bridge's address (and the
            // guests' ARP caches) survive restarts.
            definition.mac = definition.mac ?? existing?.definition.mac ?? MACAddress.randomLibvirt()
        }

        if var existing {
            existing.definition = definition
            existing.persistent = true
            try store.update(existing)
            logger.info("network redefined", metadata: ["network": "\(name)"])
            return existing.summary
        }
        let record = NetworkRecord(definition: definition)
        try store.insert(record)
        logger.info("network defined", metadata: ["network": "\(name)", "bridge": "\(definition.bridge.name ?? "-")"])
        return record.summary
    }

    /// libvirt's networkBridgeNameValidate: a given name must not be another network's; a missing
    /// name or a "%d" template gets the lowest free number that no network claims and no device
    /// has. A redefinition without a name keeps the one it had.
    private func assignBridgeName(_ definition: inout NetworkDefinition, previous: NetworkDefinition?,
                                  others: [NetworkRecord]) throws(PatchbayError) {
        let claimed = Set(others.flatMap { [$0.definition.bridge.name, $0.live?.bridge.name].compactMap { $0 } })
        if let name = definition.bridge.name, !name.contains("%d") {
            if claimed.contains(name) {
                let owner = others.first { $0.definition.bridge.name == name || $0.live?.bridge.name == name }?.name ?? "?"
                throw PatchbayError(.alreadyExists, "bridge name '\(name)' is already used by network '\(owner)'")
            }
            return
        }
        if definition.bridge.name == nil, let kept = previous?.bridge.name {
            definition.bridge.name = kept
            return
        }
        let taken = claimed.union(try links.linkNames())
        guard let name = BridgeNameAllocator.allocate(template: definition.bridge.name, taken: taken) else {
            throw PatchbayError(.operationInvalid, "no free bridge name for template '\(definition.bridge.name ?? "virbr%d")'")
        }
        definition.bridge.name = name
    }

    /// `net-update`: changes one section of the running definition, the persistent one, or both,
    /// all or nothing. Each changed definition must still pass the same validation as define.
    /// Returns which definitions changed.
    public func update(_ name: String, _ request: NetworkUpdateRequest) async throws(PatchbayError) -> NetworkUpdateResult {
        var record = try record(name)
        var live = false, config = false
        switch request.scope {
        case .current: if record.active { live = true } else { config = true }
        case .live: live = true
        case .config: config = true
        case .liveAndConfig: live = true; config = true
        }
        if live && !record.active {
            throw PatchbayError(.operationInvalid, "network '\(name)' is not active, so its live state cannot be updated")
        }
        if config && !record.persistent {
            throw PatchbayError(.operationInvalid, "cannot change the persistent config of transient network '\(name)'")
        }
        func apply(_ definition: NetworkDefinition) throws(PatchbayError) -> NetworkDefinition {
            do {
                let updated = try NetworkUpdater.apply(request.command, section: request.section, xml: request.xml,
                                                       parentIndex: request.parentIndex, to: definition)
                try NetworkValidator.validate(ParsedNetwork(definition: updated, sourceMap: SourceMap()), level: .define)
                return updated
            } catch {
                throw PatchbayError(.invalidArgument, "cannot update network '\(name)': \(error.description)")
            }
        }
        if live, let current = record.live { record.live = try apply(current) }
        if config { record.definition = try apply(record.definition) }
        try store.update(record)
        if live, let current = record.live {
            // DHCP hosts and ranges, DNS records: the running services pick up the new definition.
            try await services.start(current)
        }
        logger.info("network updated", metadata: ["network": "\(name)", "section": "\(request.section.rawValue)",
                                                  "command": "\(request.command.rawValue)", "live": "\(live)", "config": "\(config)"])
        return NetworkUpdateResult(network: record.summary, live: live, config: config)
    }

    /// `net-undefine`: forgets an inactive network; an active one becomes transient and is
    /// forgotten when it is destroyed, as libvirt does.
    public func undefine(_ name: String) throws(PatchbayError) {
        var record = try record(name)
        guard record.persistent else {
            throw PatchbayError(.operationInvalid, "network '\(name)' is not persistent")
        }
        if record.active {
            record.persistent = false
            record.autostart = false
            try store.update(record)
        } else {
            try store.delete(named: name)
            try leaseStore?.deleteAll(network: name)
            try forwardStore?.deleteAllForwards(network: name)
            deletePorts(of: name)
        }
        logger.info("network undefined", metadata: ["network": "\(name)"])
    }

    /// `net-start`.
    public func start(_ name: String) async throws(PatchbayError) -> NetworkSummary {
        var record = try record(name)
        guard !record.active else { throw PatchbayError(.operationInvalid, "network '\(name)' is already active") }
        let definition = record.definition
        let driver = try driver(for: definition)
        let clock = ContinuousClock()
        let began = clock.now
        try driver.start(definition)
        let kernelDone = clock.now
        record.live = definition
        var servicesDone = kernelDone
        do {
            // libvirt's order: DHCP/DNS come after the bridge, its addresses and the firewall.
            try await services.start(definition)
            servicesDone = clock.now
            try store.update(record)
            for note in attachPorts(of: definition) { logger.warning("\(note)", metadata: ["network": "\(name)"]) }
        } catch {
            // Neither services nor kernel state may outlive a failed start.
            await services.stop(name)
            try? driver.stop(definition)
            throw error
        }
        let ended = clock.now
        logger.info("network started", metadata: ["network": "\(name)", "bridge": "\(definition.bridge.name ?? "-")",
                                                  "kernel": "\(kernelDone - began)", "services": "\(servicesDone - kernelDone)",
                                                  "store": "\(ended - servicesDone)"])
        return record.summary
    }

    /// `net-destroy`. Returns nil when the network was transient and is now gone.
    @discardableResult
    public func destroy(_ name: String) async throws(PatchbayError) -> NetworkSummary? {
        var record = try record(name)
        guard let live = record.live else { throw PatchbayError(.operationInvalid, "network '\(name)' is not active") }
        await services.stop(name)
        try driver(for: live).stop(live)
        logger.info("network destroyed", metadata: ["network": "\(name)"])
        if !record.persistent {
            try store.delete(named: name)
            try leaseStore?.deleteAll(network: name)
            try forwardStore?.deleteAllForwards(network: name)
            deletePorts(of: name)
            return nil
        }
        record.live = nil
        try store.update(record)
        return record.summary
    }

    /// `net-autostart [--disable]`.
    public func setAutostart(_ name: String, _ enabled: Bool) throws(PatchbayError) -> NetworkSummary {
        var record = try record(name)
        guard record.persistent else {
            throw PatchbayError(.operationInvalid, "cannot set autostart for transient network '\(name)'")
        }
        record.autostart = enabled
        try store.update(record)
        return record.summary
    }

    /// `net-dhcp-leases NET [MAC]`: the leases of an active network, from the store (every lease
    /// there was committed before its ACK went out).
    public func leases(_ name: String, mac: MACAddress? = nil) throws(PatchbayError) -> [DHCPLeaseInfo] {
        let record = try record(name)
        guard let live = record.live else { throw PatchbayError(.operationInvalid, "network '\(name)' is not active") }
        let prefix = live.ips.first { $0.isIPv4 && $0.dhcp.isEnabled }?.prefixLength ?? 24
        let leases = try leaseStore?.leases(network: name) ?? []
        return leases.filter { mac == nil || $0.mac == mac }.map { lease in
            DHCPLeaseInfo(expiryTime: lease.expiresAt, mac: lease.mac.description, protocolName: "ipv4", ipAddress: lease.ip.description,
                          prefix: prefix, hostname: lease.hostname, clientID: lease.clientIDText)
        }
    }

    // MARK: - Port forwards

    /// `net-forward-list NET`.
    public func portForwards(_ name: String) throws(PatchbayError) -> [PortForward] {
        _ = try record(name)
        return try requireForwardStore().portForwards(network: name)
    }

    /// `net-forward-add`: stored, and applied at once if the network runs.
    public func addPortForward(_ forward: PortForward) throws(PatchbayError) -> PortForward {
        let forwards = try requireForwardStore()
        let record = try record(forward.network)
        let definition = record.current
        guard definition.forward.mode == .nat else {
            throw PatchbayError(.operationInvalid,
                                "network '\(record.name)' is not a nat network (forward mode '\(definition.forward.mode.rawValue)'); port forwards need NAT")
        }
        guard forward.hostPortStart > 0, forward.hostPortStart <= forward.hostPortEnd else {
            throw PatchbayError(.invalidArgument, "host port range \(forward.hostPorts) is not valid: ports run from 1 to 65535, first to last")
        }
        if forward.guestPort == 0 { throw PatchbayError(.invalidArgument, "guest port 0 is not valid") }
        let subnets = definition.interfaceAddresses.filter { $0.address.isIPv4 }
        guard let subnet = subnets.first(where: { IPAddress.v4(forward.guestAddress).isInSubnet(of: $0.address, prefixLength: $0.prefixLength) }) else {
            throw PatchbayError(.invalidArgument, "\(forward.guestAddress) is not in the subnets of network '\(record.name)' (\(subnets.map(\.description).joined(separator: ", ")))")
        }
        if IPAddress.v4(forward.guestAddress) == subnet.address {
            throw PatchbayError(.invalidArgument, "\(forward.guestAddress) is the host's own address on network '\(record.name)', not a guest")
        }
        if let clash = try forwards.portForwards().first(where: { $0.overlaps(forward) }) {
            throw PatchbayError(.alreadyExists, "\(forward.transport.rawValue) port \(clash.hostPorts) is already forwarded to \(clash.destination) on network '\(clash.network)'")
        }
        try forwards.insert(forward)
        do {
            try applyFirewall(of: record)
        } catch {
            try? forwards.delete(forward)
            throw error
        }
        logger.info("port forward added", metadata: ["network": "\(record.name)", "forward": "\(forward)"])
        return forward
    }

    /// `net-forward-delete NET --proto P --host-port N`: removes the forward that starts at N.
    public func deletePortForward(network: String, transport: PortForward.TransportProtocol, hostPort: UInt16) throws(PatchbayError) -> PortForward {
        let forwards = try requireForwardStore()
        let record = try record(network)
        guard let forward = try forwards.portForwards(network: network).first(where: {
            $0.transport == transport && $0.hostPortStart == hostPort
        }) else {
            throw PatchbayError(.notFound, "network '\(network)' has no \(transport.rawValue) forward of host port \(hostPort)")
        }
        try forwards.delete(forward)
        try applyFirewall(of: record)
        logger.info("port forward deleted", metadata: ["network": "\(network)", "forward": "\(forward)"])
        return forward
    }

    private func applyFirewall(of record: NetworkRecord) throws(PatchbayError) {
        guard let live = record.live, let firewall,
              let rules = try FirewallNetwork(definition: live, portForwards: try requireForwardStore().portForwards(network: record.name)) else { return }
        try firewall.apply(rules)
    }

    private func requireForwardStore() throws(PatchbayError) -> any PortForwardStore {
        guard let forwardStore else { throw PatchbayError(.unavailable, "this daemon keeps no port forwards") }
        return forwardStore
    }

    // MARK: - Daemon start-up

    /// Run once when the daemon starts: repairs networks that were active (without re-creating
    /// what is there), then starts autostart networks that are not active. Errors are logged per
    /// network; one broken network does not keep the others down.
    public func recover() async -> [String] {
        var report: [String] = []
        let records: [NetworkRecord]
        do { records = try store.networks() } catch {
            logger.error("cannot read networks at start-up", metadata: ["error": "\(error)"])
            return ["cannot read networks: \(error)"]
        }
        if let firewall {
            do {
                var rules: [FirewallNetwork] = []
                for live in records.compactMap(\.live) where live.forward.mode != .open {
                    if let network = try FirewallNetwork(definition: live, portForwards: try forwardStore?.portForwards(network: live.name) ?? []) {
                        rules.append(network)
                    }
                }
                if rules.contains(where: { $0.mode != .isolated }) {
                    try firewall.enableForwarding(ipv6: rules.contains { !$0.ipv6Subnets.isEmpty && $0.mode != .isolated })
                }
                let reapplied = try firewall.restore(rules)
                report.append(reapplied ? "firewall: re-applied Patchbay's tables" : "firewall: intact")
            } catch {
                logger.error("cannot restore the firewall", metadata: ["error": "\(error)"])
                report.append("firewall: not restored (\(error))")
            }
        }
        for var record in records {
            if let live = record.live {
                do {
                    var repairs = try driver(for: live).reconcile(live)
                    repairs += attachPorts(of: live)
                    do {
                        try await services.start(live)
                    } catch {
                        // The bridge is intact and guests keep their traffic; only the services are down.
                        logger.error("cannot start DHCP/DNS of a restored network", metadata: ["network": "\(record.name)", "error": "\(error)"])
                        report.append("network \(record.name): services not started (\(error))")
                    }
                    let line = repairs.isEmpty ? "network \(record.name): intact" : "network \(record.name): " + repairs.joined(separator: "; ")
                    logger.info("reconciled", metadata: ["network": "\(record.name)", "repairs": "\(repairs)"])
                    report.append(line)
                } catch {
                    logger.error("cannot restore active network; marking it inactive",
                                 metadata: ["network": "\(record.name)", "error": "\(error)"])
                    report.append("network \(record.name): inactive (\(error))")
                    if record.persistent {
                        record.live = nil
                        try? store.update(record)
                    } else {
                        try? store.delete(named: record.name)
                    }
                }
            } else if record.autostart {
                do {
                    _ = try await start(record.name)
                    report.append("network \(record.name): autostarted")
                } catch {
                    logger.error("autostart failed", metadata: ["network": "\(record.name)", "error": "\(error)"])
                    report.append("network \(record.name): autostart failed (\(error))")
                }
            }
        }
        return report
    }

    // MARK: - Helpers

    func networkRecord(_ name: String) throws(PatchbayError) -> NetworkRecord { try record(name) }

    private func record(_ name: String) throws(PatchbayError) -> NetworkRecord {
        guard let record = try store.network(named: name) else {
            throw PatchbayError(.notFound, "network '\(name)' not found")
        }
        return record
    }

    private func driver(for definition: NetworkDefinition) throws(PatchbayError) -> any NetworkDriver {
        switch definition.forward.mode {
        case .none, .nat, .route:
            return BridgeNetworkDriver(links: links, firewall: firewall,
                                       portForwards: try forwardStore?.portForwards(network: definition.name) ?? [],
                                       loopProtection: loopProtection, logger: logger)
        case .open:
            return BridgeNetworkDriver(links: links, firewall: nil, portForwards: [], loopProtection: loopProtection, logger: logger)
        default:
            throw PatchbayError(.operationInvalid,
                                "network '\(definition.name)' uses forward mode '\(definition.forward.mode.rawValue)', which this version cannot start yet; isolated, nat, route and open networks can be started")
        }
    }
}

extension NetworkEngine {
    /// The bridges the loop guard watches: those of active networks that ask for STP, when
    /// loops are guarded against by Patchbay rather than by the kernel.
    public func loopGuardedBridges() -> [GuardedBridge] {
        let records: [NetworkRecord]
        do { records = try store.networks() } catch {
            logger.warning("loop guard: cannot read the networks; no bridge is probed this round", metadata: ["error": "\(error)"])
            return []
        }
        return records.compactMap { record in
            guard let live = record.live, live.forward.mode.createsBridge, loopProtection.guards(live.bridge),
                  let bridge = live.bridge.name else { return nil }
            return GuardedBridge(network: record.name, bridge: bridge)
        }
    }
}
