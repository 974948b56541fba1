import PatchbayModel
import PatchbayStore

extension NetworkEngine {
    /// `net-start`, in libvirt's order: the bridge with its addresses, the firewall, then DHCP
    /// and DNS, then the network's ports. The intent is stored first; on failure every step is
    /// undone and the intent cleared.
    public func start(_ name: String) async throws(PatchbayError) -> NetworkSummary {
        let summary = try await withNetworkLock(name) { () async throws(PatchbayError) -> NetworkSummary in
            var record = try await requireRecord(name)
            if record.intent != nil {
                try await settle(record)
                record = try await requireRecord(name)
            }
            guard !record.active else { throw PatchbayError(.operationInvalid, "network '\(name)' is already active") }
            let definition = record.definition
            let driver = try driver(for: definition)
            let temporary = OwnershipTag.temporaryDeviceName()
            let clock = ContinuousClock()
            let began = clock.now
            try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in
                current.intent = NetworkIntent(phase: .starting, target: definition, temporaryDevice: temporary)
            }
            await faults.reach(.startIntent)
            var kernelDone = began
            var firewallDone = began
            var servicesDone = began
            do throws(PatchbayError) {
                try await driver.start(definition, temporaryDevice: temporary)
                try await applyBridgeControls(record.bridgeControls, to: definition)  // bridge controls (issue 13)
                try await shapeBridge(network: name, definition)
                kernelDone = clock.now
                try await commitFirewall()
                firewallDone = clock.now
                await faults.reach(.startFirewall)
                // DHCP and DNS serve the networks Patchbay routes; a host bridge or a NIC's LAN has
                // its own (and the validator leaves those networks no addresses to serve from).
                if definition.forward.mode.createsBridge { try await services.start(definition) }
                await faults.reach(.startServices)
                servicesDone = clock.now
                let stored = try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in
                    current.live = definition
                    current.intent = nil
                    current.legacyUntagged = false
                }
                for note in await attachPorts(of: name, definition: definition) {
                    logger.warning("\(note)", metadata: ["network": "\(name)"])
                }
                let ended = clock.now
                // The daemon's whole part of a start, for `Benchmarks/cli.sh` (and whoever wonders
                // where a slow start went): kernel, firewall and services, store.
                let total = (ended - began).components
                let milliseconds = ((Double(total.seconds) * 1000 + Double(total.attoseconds) / 1e15) * 100).rounded() / 100
                logger.info("network started", metadata: ["network": "\(name)", "bridge": "\(definition.bridge.name ?? "-")",
                                                          "kernel": "\(kernelDone - began)", "firewall": "\(firewallDone - kernelDone)",
                                                          "services": "\(servicesDone - firewallDone)",
                                                          "store": "\(ended - servicesDone)", "milliseconds": "\(milliseconds)"])
                events.publish(PatchbayEvent(type: .networkStarted, network: name, device: definition.bridge.name,
                                             message: "network '\(name)' started" + (definition.bridge.name.map { " on bridge \($0)" } ?? "")))
                return stored.summary
            } catch {
                // Neither services, rules nor kernel state may outlive a failed start.
                await services.stop(name)
                do {
                    // The kernel first: if that fails, the intent stays for the next start (or the
                    // daemon's) to finish the undo.
                    try await driver.stop(definition, temporaryDevice: temporary, adoptUntagged: false)
                    try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in current.intent = nil }
                    try await commitFirewall()
                } catch let undo {
                    logger.error("cannot undo a failed start completely", metadata: ["network": "\(name)", "error": "\(undo)"])
                }
                throw error
            }
        }
        await publishGuardedBridges()
        return summary
    }

    /// `net-destroy`. Returns nil when the network was transient and is now gone. A destroy that
    /// fails midway leaves its intent, and the next `net-destroy` (or daemon start) finishes it.
    @discardableResult
    public func destroy(_ name: String) async throws(PatchbayError) -> NetworkSummary? {
        let summary = try await withNetworkLock(name) { () async throws(PatchbayError) -> NetworkSummary? in
            let record = try await requireRecord(name)
            guard let live = record.live else {
                if record.intent?.phase == .starting || record.intent?.phase == .undefining {
                    try await settle(record)
                }
                throw PatchbayError(.operationInvalid, "network '\(name)' is not active")
            }
            if record.intent?.phase != .stopping {
                try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in
                    current.intent = NetworkIntent(phase: .stopping, target: live)
                }
            }
            await faults.reach(.destroyIntent)
            return try await finishStop(name, live: live, adoptUntagged: record.legacyUntagged)
        }
        await publishGuardedBridges()
        return summary
    }

    /// The steps of a stop after its intent is stored: services, firewall, bridge, then the
    /// record (gone when the network was transient).
    func finishStop(_ name: String, live: NetworkDefinition, adoptUntagged: Bool) async throws(PatchbayError) -> NetworkSummary? {
        for note in await detachPorts(of: name, definition: live) {
            logger.warning("\(note)", metadata: ["network": "\(name)"])
        }
        await services.stop(name)
        await faults.reach(.destroyServices)
        try await commitFirewall()
        await faults.reach(.destroyFirewall)
        try await driver(for: live).stop(live, temporaryDevice: nil, adoptUntagged: adoptUntagged)
        await faults.reach(.destroyBridge)
        logger.info("network destroyed", metadata: ["network": "\(name)"])
        events.publish(PatchbayEvent(type: .networkStopped, network: name, device: live.bridge.name, message: "network '\(name)' stopped"))
        let record = try await requireRecord(name)
        if !record.persistent {
            try await forget(name)
            return nil
        }
        return try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in
            current.live = nil
            current.intent = nil
            current.legacyUntagged = false
        }.summary
    }

    /// Finishes or undoes the operation `record` was left in the middle of: an interrupted start
    /// is undone (its client was told it failed), an interrupted stop or undefine is finished.
    /// Called with the network's lock held.
    func settle(_ record: NetworkRecord) async throws(PatchbayError) {
        guard let intent = record.intent else { return }
        switch intent.phase {
        case .starting:
            if let target = intent.target {
                try await driver(for: target).stop(target, temporaryDevice: intent.temporaryDevice, adoptUntagged: false)
            }
            try await mutate(record.name) { (current: inout NetworkRecord) throws(PatchbayError) in current.intent = nil }
            try await commitFirewall()
            logger.warning("undid an interrupted start", metadata: ["network": "\(record.name)"])
        case .stopping:
            if let live = record.live ?? intent.target {
                _ = try await finishStop(record.name, live: live, adoptUntagged: record.legacyUntagged)
            } else {
                try await mutate(record.name) { (current: inout NetworkRecord) throws(PatchbayError) in current.intent = nil }
            }
            logger.warning("finished an interrupted destroy", metadata: ["network": "\(record.name)"])
        case .undefining:
            try await forget(record.name)
            logger.warning("finished an interrupted undefine", metadata: ["network": "\(record.name)"])
        }
    }
}
