import LibvirtXML
import NFTables
import PatchbayModel
import PatchbayStore

extension NetworkEngine {
    /// `net-define`: a new network, or a new persistent definition for an existing one when the
    /// UUIDs match (libvirt's redefine). A running network keeps running with its old definition
    /// until it is restarted. The XML is parsed before any lock is taken, so a large document
    /// holds up nobody else.
    public func define(xml: String) async throws(PatchbayError) -> NetworkSummary {
        var definition: NetworkDefinition
        do { definition = try NetworkXML.read(xml, level: .define).definition } catch {
            throw PatchbayError(.invalidArgument, "invalid network XML: \(error.description)")
        }
        let name = definition.name
        return try await locks.withLocks([Self.defineLock, Self.networkLock(name)]) { () async throws(PatchbayError) -> NetworkSummary in
            let all = try await store.networks()
            let existing = all.first { $0.name == name }
            if let existing, definition.uuid != existing.definition.uuid {
                throw PatchbayError(.alreadyExists, "network '\(name)' already exists with UUID \(existing.definition.uuid)")
            }
            if existing == nil, let other = all.first(where: { $0.definition.uuid == definition.uuid }) {
                throw PatchbayError(.alreadyExists, "network '\(other.name)' already has UUID \(definition.uuid)")
            }
            if definition.forward.mode.createsBridge {
                try await assignBridgeName(&definition, previous: existing?.definition, others: all.filter { $0.name != name })
                // libvirt's virNetworkSetBridgeMacAddr: a fixed MAC so the bridge's address (and
                // the guests' ARP caches) survive restarts.
                definition.mac = definition.mac ?? existing?.definition.mac ?? MACAddress.randomLibvirt()
                // A bridge or `<forward dev>` name its firewall rules could not use is refused now,
                // not at the first start.
                _ = try FirewallNetwork(definition: definition)
            }
            if var existing {
                existing.definition = definition
                existing.persistent = true
                let stored = try await store.update(existing)
                logger.info("network redefined", metadata: ["network": "\(name)"])
                events.publish(PatchbayEvent(type: .networkDefined, network: name, message: "network '\(name)' redefined"))
                return stored.summary
            }
            let stored = try await store.insert(NetworkRecord(definition: definition))
            logger.info("network defined", metadata: ["network": "\(name)", "bridge": "\(definition.bridge.name ?? "-")"])
            events.publish(PatchbayEvent(type: .networkDefined, network: name, message: "network '\(name)' defined"))
            return stored.summary
        }
    }

    /// libvirt's networkBridgeNameValidate: a given name must not be another network's; a missing
    /// name or a "%d" template gets the lowest free number that no network claims and no device
    /// has. A redefinition without a name keeps the one it had.
    private func assignBridgeName(_ definition: inout NetworkDefinition, previous: NetworkDefinition?,
                                  others: [NetworkRecord]) async throws(PatchbayError) {
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
        let taken = claimed.union(try await links.links().map(\.name))
        guard let name = BridgeNameAllocator.allocate(template: definition.bridge.name, taken: taken) else {
            throw PatchbayError(.operationInvalid, "no free bridge name for template '\(definition.bridge.name ?? "virbr%d")'")
        }
        definition.bridge.name = name
    }

    /// `net-update`: changes one section of the running definition, the persistent one, or both,
    /// all or nothing. Each changed definition must still pass the same validation as define. The
    /// running services take the new live definition first; only if they can is it stored, and if
    /// the store then fails they go back to the old one.
    public func update(_ name: String, _ request: NetworkUpdateRequest) async throws(PatchbayError) -> NetworkUpdateResult {
        try await withNetworkLock(name) { () async throws(PatchbayError) -> NetworkUpdateResult in
            var record = try await requireRecord(name)
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
            let oldLive = record.live
            if live, let current = record.live { record.live = try apply(current) }
            if config { record.definition = try apply(record.definition) }
            if live, let updated = record.live, updated != oldLive {
                // DHCP hosts and ranges, DNS records: the running services take the new definition.
                try await services.start(updated)
                await faults.reach(.updateServices)
            }
            let stored: NetworkRecord
            do throws(PatchbayError) {
                stored = try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in
                    current.definition = record.definition
                    current.live = record.live
                }
            } catch {
                if live, let oldLive, let updated = record.live, updated != oldLive {
                    do { try await services.start(oldLive) } catch {
                        logger.error("cannot bring the services back to the stored definition", metadata: ["network": "\(name)", "error": "\(error)"])
                    }
                }
                throw error
            }
            logger.info("network updated", metadata: ["network": "\(name)", "section": "\(request.section.rawValue)",
                                                      "command": "\(request.command.rawValue)", "live": "\(live)", "config": "\(config)"])
            events.publish(PatchbayEvent(type: .networkUpdated, network: name,
                                         message: "network '\(name)' updated: \(request.command.rawValue) \(request.section.rawValue)"
                                             + (live ? " (live)" : "") + (config ? " (config)" : "")))
            return NetworkUpdateResult(network: stored.summary, live: live, config: config)
        }
    }

    /// `net-undefine`: forgets an inactive network with its ports, forwards and leases; an
    /// active one becomes transient and is forgotten when it is destroyed, as libvirt does.
    public func undefine(_ name: String) async throws(PatchbayError) {
        try await withNetworkLock(name) { () async throws(PatchbayError) in
            let record = try await requireRecord(name)
            guard record.persistent else {
                throw PatchbayError(.operationInvalid, "network '\(name)' is not persistent")
            }
            if record.active {
                try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in
                    current.persistent = false
                    current.autostart = false
                }
            } else {
                try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in
                    current.intent = NetworkIntent(phase: .undefining)
                }
                await faults.reach(.undefineIntent)
                try await forget(name)
            }
            logger.info("network undefined", metadata: ["network": "\(name)"])
            events.publish(PatchbayEvent(type: .networkUndefined, network: name, message: "network '\(name)' undefined"))
        }
    }

    /// Removes the devices of the network's ports, then the network with everything stored for it
    /// (one transaction). Called with the network's lock held.
    func forget(_ name: String) async throws(PatchbayError) {
        for port in try await store.ports(network: name) {
            do { try await portDriver(for: port).remove(port) } catch {
                logger.warning("cannot remove the device of a port", metadata: ["network": "\(name)", "port": "\(port.uuid)", "error": "\(error)"])
            }
        }
        try await store.delete(named: name)
    }

    /// `net-autostart [--disable]`.
    public func setAutostart(_ name: String, _ enabled: Bool) async throws(PatchbayError) -> NetworkSummary {
        try await withNetworkLock(name) { () async throws(PatchbayError) -> NetworkSummary in
            let record = try await requireRecord(name)
            guard record.persistent else {
                throw PatchbayError(.operationInvalid, "cannot set autostart for transient network '\(name)'")
            }
            return try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in current.autostart = enabled }.summary
        }
    }
}
