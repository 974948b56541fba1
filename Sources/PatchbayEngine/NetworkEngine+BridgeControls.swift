import PatchbayModel

/// The Linux bridge controls of networks Patchbay owns (issue 13, item 7): the bridge's STP
/// priority and timers and its ageing time (stored on the network's record), a port's isolation,
/// learning, STP priority and cost (stored on the port), and the forwarding database. Settings
/// are stored first and then applied; a kernel refusal restores what was stored and applied
/// before. `start` and reconciliation apply what is stored (`applyBridgeControls`,
/// `reconcileBridgeControls`), ports get their flags whenever they are plugged.
extension NetworkEngine {
    /// `net-bridge-set NET --priority P --hello-time S --max-age S --ageing-time S`.
    public func setBridgeControls(network name: String, _ change: BridgeControls) async throws(PatchbayError) -> BridgeControlsInfo {
        try change.validate()
        return try await withNetworkLock(name) { () async throws(PatchbayError) -> BridgeControlsInfo in
            let record = try await requireRecord(name)
            _ = try ownedBridgeName(record)
            let before = record.bridgeControls
            let merged = (before ?? BridgeControls()).merging(change)
            try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in current.bridgeControls = merged }
            if let live = record.live, let link = try await links.link(named: try ownedBridgeName(record)), link.tag == .network(live.uuid) {
                do throws(PatchbayError) {
                    try await links.setBridgeControls(index: link.index, merged)
                } catch {
                    _ = try? await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in current.bridgeControls = before }
                    if let before { try? await links.setBridgeControls(index: link.index, before) }
                    throw PatchbayError(error.code, "cannot set the bridge controls of network '\(name)': \(error.message)", cause: error.cause)
                }
            }
            return try await bridgeControlsInfo(try await requireRecord(name))
        }
    }

    /// `net-bridge-info NET`: stored and kernel values.
    public func bridgeControls(network name: String) async throws(PatchbayError) -> BridgeControlsInfo {
        try await bridgeControlsInfo(try await requireRecord(name))
    }

    /// `net-port-set NET PORT --isolated on|off --learning on|off --priority N --cost N`.
    public func setPortBridgeControls(network name: String, port key: String,
                                      _ change: PortBridgeControls) async throws(PatchbayError) -> NetworkPort {
        try change.validate()
        return try await withNetworkLock(name) { () async throws(PatchbayError) -> NetworkPort in
            let record = try await requireRecord(name)
            _ = try ownedBridgeName(record)
            let port = try await requirePort(key, of: name)
            var updated = port
            updated.bridgeControls = (port.bridgeControls ?? PortBridgeControls()).merging(change)
            try await store.update(updated)
            if record.active, let link = try await PortDevices(links: links, faults: .none, logger: logger).find(port), link.masterIndex != nil {
                do throws(PatchbayError) {
                    try await links.setPortBridgeControls(index: link.index, updated.effectiveBridgeControls)
                } catch {
                    try? await store.update(port)
                    try? await links.setPortBridgeControls(index: link.index, port.effectiveBridgeControls)
                    throw PatchbayError(error.code, "cannot set the bridge flags of port \(port.uuid) (\(port.device)): \(error.message)",
                                        cause: error.cause)
                }
            }
            return try await store.port(uuid: port.uuid) ?? updated
        }
    }

    /// `net-fdb NET`: the bridge's forwarding database, every entry named by Patchbay's port
    /// (UUID, owner) where the device is a stored port, else by the device ("bridge" for the
    /// bridge's own, "uplink" for an uplink port).
    public func forwardingDatabase(network name: String) async throws(PatchbayError) -> [FDBEntryInfo] {
        let (record, bridge) = try await activeOwnedBridge(name)
        _ = record
        let entries = try await links.fdb(ofBridge: bridge.index)
        let ports = try await store.ports(network: name)
        let byIndex = Dictionary(ports.compactMap { p in p.interfaceIndex.map { ($0, p) } }, uniquingKeysWith: { a, _ in a })
        var names: [Int32: String] = [bridge.index: bridge.name]
        for link in try await links.links() where link.masterIndex == bridge.index { names[link.index] = link.name }
        return entries.map { e in
            let port = byIndex[e.interfaceIndex].flatMap { names[e.interfaceIndex] == $0.device ? $0 : nil }
            let owner: String? = port.map { $0.role == .uplink ? "uplink" : $0.ownerName } ?? (e.interfaceIndex == bridge.index ? "bridge" : nil)
            return FDBEntryInfo(mac: e.mac, vlan: e.vlan, device: names[e.interfaceIndex] ?? "#\(e.interfaceIndex)", portUUID: port?.uuid,
                                owner: owner, state: e.state, master: e.master, updatedSeconds: e.updatedSeconds, usedSeconds: e.usedSeconds)
        }
    }

    /// `net-fdb-add NET MAC PORT [--vlan V]`: a static entry pointing at a port of the network.
    public func addStaticFDBEntry(network name: String, _ request: FDBEntryRequest) async throws(PatchbayError) {
        try await withNetworkLock(name) { () async throws(PatchbayError) in
            let index = try await fdbPortIndex(name, request)
            try await links.addStaticFDBEntry(request.mac, vlan: request.vlan, portIndex: index)
        }
    }

    /// `net-fdb-delete NET MAC PORT [--vlan V]`.
    public func deleteFDBEntry(network name: String, _ request: FDBEntryRequest) async throws(PatchbayError) {
        try await withNetworkLock(name) { () async throws(PatchbayError) in
            let index = try await fdbPortIndex(name, request)
            try await links.deleteFDBEntry(request.mac, vlan: request.vlan, portIndex: index)
        }
    }

    // MARK: - Start and reconciliation

    /// At start: writes the stored controls to the new bridge (nothing when none are stored).
    func applyBridgeControls(_ controls: BridgeControls?, to definition: NetworkDefinition) async throws(PatchbayError) {
        guard let controls, !controls.isEmpty, let name = definition.bridge.name, let link = try await links.link(named: name) else { return }
        try await links.setBridgeControls(index: link.index, controls)
    }

    /// At reconciliation: compares the kernel's values with the stored ones and writes only the
    /// ones that differ. Returns the repairs made.
    func reconcileBridgeControls(_ controls: BridgeControls?, definition: NetworkDefinition) async throws(PatchbayError) -> [String] {
        guard let controls, !controls.isEmpty, let name = definition.bridge.name, let link = try await links.link(named: name),
              let kernel = try await links.bridgeControls(index: link.index) else { return [] }
        let differing = Self.differing(controls, kernel)
        guard !differing.isEmpty else { return [] }
        try await links.setBridgeControls(index: link.index, differing)
        return ["set bridge controls \(Self.describe(differing))"]
    }

    static func differing(_ wanted: BridgeControls, _ kernel: BridgeControls) -> BridgeControls {
        BridgeControls(priority: wanted.priority.flatMap { $0 == kernel.priority ? nil : $0 },
                       helloTimeSeconds: wanted.helloTimeSeconds.flatMap { $0 == kernel.helloTimeSeconds ? nil : $0 },
                       maxAgeSeconds: wanted.maxAgeSeconds.flatMap { $0 == kernel.maxAgeSeconds ? nil : $0 },
                       ageingTimeSeconds: wanted.ageingTimeSeconds.flatMap { $0 == kernel.ageingTimeSeconds ? nil : $0 })
    }

    static func describe(_ c: BridgeControls) -> String {
        [c.priority.map { "priority \($0)" }, c.helloTimeSeconds.map { "hello time \($0) s" },
         c.maxAgeSeconds.map { "max age \($0) s" }, c.ageingTimeSeconds.map { "ageing time \($0) s" }]
            .compactMap { $0 }.joined(separator: ", ")
    }

    // MARK: - Helpers

    private func ownedBridgeName(_ record: NetworkRecord) throws(PatchbayError) -> String {
        let definition = record.current
        guard case .ownedBridge(let bridge) = PortPlacement(definition) else {
            throw PatchbayError(.operationInvalid,
                                "network '\(record.name)' does not run a bridge of Patchbay's own (forward mode \(definition.forward.mode.rawValue)): its bridge controls are not Patchbay's")
        }
        return bridge
    }

    private func activeOwnedBridge(_ name: String) async throws(PatchbayError) -> (NetworkRecord, LinkSnapshot) {
        let record = try await requireRecord(name)
        let bridgeName = try ownedBridgeName(record)
        guard let live = record.live else { throw PatchbayError(.operationInvalid, "network '\(name)' is not active") }
        guard let link = try await links.link(named: bridgeName), link.tag == .network(live.uuid) else {
            throw PatchbayError(.notFound, "the bridge '\(bridgeName)' of network '\(name)' is missing or not Patchbay's")
        }
        return (record, link)
    }

    private func requirePort(_ key: String, of network: String) async throws(PatchbayError) -> NetworkPort {
        let found: NetworkPort?
        if let uuid = NetworkUUID(key) { found = try await store.port(uuid: uuid) } else { found = try await store.port(withDevice: key) }
        guard let port = found, port.network == network else {
            throw PatchbayError(.notFound, "network '\(network)' has no port '\(key)' (give its UUID or device name)")
        }
        guard port.type != .macvtap else {
            throw PatchbayError(.operationInvalid, "port '\(key)' is a macvtap, not a bridge port")
        }
        return port
    }

    private func fdbPortIndex(_ name: String, _ request: FDBEntryRequest) async throws(PatchbayError) -> Int32 {
        if let vlan = request.vlan, !(1...4094).contains(vlan) {
            throw PatchbayError(.invalidArgument, "--vlan \(vlan) is out of range", cause: "VLAN IDs are 1-4094")
        }
        let (_, bridge) = try await activeOwnedBridge(name)
        let port = try await requirePort(request.port, of: name)
        guard let link = try await PortDevices(links: links, faults: .none, logger: logger).find(port), link.masterIndex == bridge.index else {
            throw PatchbayError(.notFound, "port '\(request.port)' is not on the bridge '\(bridge.name)' of network '\(name)'")
        }
        return link.index
    }

    private func bridgeControlsInfo(_ record: NetworkRecord) async throws(PatchbayError) -> BridgeControlsInfo {
        let bridgeName = try ownedBridgeName(record)
        let stored = record.bridgeControls ?? BridgeControls()
        var info = BridgeControlsInfo(network: record.name, bridge: bridgeName, stored: stored)
        if let live = record.live, let link = try await links.link(named: bridgeName), link.tag == .network(live.uuid) {
            info.kernel = try await links.bridgeControls(index: link.index)
            info.kernelSTP = link.stp
            info.forwardDelaySeconds = link.forwardDelayCentiseconds.map { $0 / 100 }
        }
        if !loopProtection.runsKernelSTP(for: record.current.bridge) {
            info.note = "priority, hello time and max age are applied but act only under kernel STP (stp='on' with patchbayd --loop-protection kernel-stp)"
        }
        return info
    }
}
