import NFTables
import PatchbayModel
import PatchbayStore

extension NetworkEngine {
    /// Run once when the daemon starts, before the API is served:
    /// 1. the firewall is restored (re-applied only if the kernel differs), so that what follows
    ///    changes it from what the kernel really holds;
    /// 2. operations a killed daemon left half done are finished or undone (`settle`), and so
    ///    are half-made and half-deleted ports; devices left under a temporary name go;
    /// 3. every active network is reconciled (its bridge must carry its tag: a same-named bridge
    ///    of someone else's is never adopted), its ports re-attached, its services started;
    /// 4. autostart networks that are not active are started.
    /// Errors are logged per network; one broken network does not keep the others down.
    public func recover() async -> [String] {
        var report: [String] = []
        let records: [NetworkRecord]
        do { records = try await store.networks() } catch {
            logger.error("cannot read networks at start-up", metadata: ["error": "\(error)"])
            return ["cannot read networks: \(error)"]
        }
        report += await restoreFirewall()
        for record in records where record.intent != nil {
            do {
                try await withNetworkLock(record.name) { () async throws(PatchbayError) in
                    guard let current = try await store.network(named: record.name) else { return }
                    try await settle(current)
                }
                report.append("network \(record.name): finished the interrupted \(record.intent?.phase.rawValue ?? "") operation")
            } catch {
                logger.error("cannot finish an interrupted operation", metadata: ["network": "\(record.name)", "error": "\(error)"])
                report.append("network \(record.name): interrupted \(record.intent?.phase.rawValue ?? "") operation not finished (\(error))")
            }
        }
        report += await settlePorts()
        report += await removeTemporaryDevices()
        // Before any port's device comes back on a bridge: its filter is in the kernel first.
        report += await restoreNWFilters()

        let current = (try? await store.networks()) ?? []
        for record in current where record.live != nil {
            report.append(await reconcile(record.name))
            // At once: reconciliation may just have turned the bridge's kernel STP off.
            await publishGuardedBridges()
        }
        // Once bridges and ports are back: tc lives on the devices.
        report += await restoreBandwidth()
        for record in current where record.live == nil && record.autostart {
            do {
                _ = try await start(record.name)
                report.append("network \(record.name): autostarted")
            } catch {
                logger.error("autostart failed", metadata: ["network": "\(record.name)", "error": "\(error)"])
                report.append("network \(record.name): autostart failed (\(error))")
            }
        }
        return report
    }

    /// Ports a killed daemon left `creating` or `deleting` are removed, devices and all (only
    /// devices under their recorded temporary name or with their tag).
    private func settlePorts() async -> [String] {
        var report: [String] = []
        let ports = (try? await store.ports()) ?? []
        deviceNames.continueAfter(ports.map(\.device))
        macvtapNames.continueAfter(ports.map(\.device))
        for port in ports where port.phase != nil {
            do {
                try await withNetworkLock(port.network) { () async throws(PatchbayError) in
                    try await portDriver(for: port).remove(port)
                    try await store.delete(port: port.uuid)
                }
                report.append("port \(port.uuid) of network \(port.network): removed the interrupted \(port.phase?.rawValue ?? "") operation's device")
            } catch {
                report.append("port \(port.uuid) of network \(port.network): cannot finish the interrupted operation (\(error))")
            }
        }
        return report
    }

    /// Devices under a temporary name that no operation in progress recorded (a re-creation at
    /// reconciliation, say, that the daemon did not live to finish): Patchbay's by their name's
    /// form, and nobody's now.
    private func removeTemporaryDevices() async -> [String] {
        do {
            let links = try await self.links.links()
            var removed: [String] = []
            for link in links where OwnershipTag.isTemporaryDeviceName(link.name) {
                try await self.links.deleteLink(index: link.index)
                removed.append(link.name)
            }
            return removed.isEmpty ? [] : ["removed temporary devices left behind: \(removed.joined(separator: ", "))"]
        } catch {
            return ["cannot remove temporary devices left behind (\(error))"]
        }
    }

    private func restoreFirewall() async -> [String] {
        do {
            return try await locks.withLock(Self.firewallLock) { () async throws(PatchbayError) -> [String] in
                let (state, refused) = FirewallComposer.state(records: try await store.networks(), forwards: try await store.portForwards())
                if let forwarding = FirewallComposer.forwarding(state) {
                    try await firewall.enableForwarding(ipv6: forwarding.ipv6)
                }
                let reapplied = try await firewall.restore(state)
                if reapplied {
                    events.publish(PatchbayEvent(type: .firewallRepaired, message: "firewall: Patchbay's tables differed from the stored state and were re-applied"))
                }
                return [reapplied ? "firewall: re-applied Patchbay's tables" : "firewall: intact"]
                    + refused.map { "network \($0.0): no firewall rules (\($0.1))" }
            }
        } catch {
            logger.error("cannot restore the firewall", metadata: ["error": "\(error)"])
            return ["firewall: not restored (\(error))"]
        }
    }

    /// Brings one active network's bridge, ports and services back. A network whose bridge cannot
    /// be repaired (gone and not re-creatable, or someone else's now) is marked inactive, its
    /// rules removed; a bridge that is not its own is left alone.
    private func reconcile(_ name: String) async -> String {
        let outcome: String? = try? await withNetworkLock(name) { () async throws(PatchbayError) -> String in
            guard let record = try await store.network(named: name), let live = record.live else { return "network \(name): not active" }
            do {
                var repairs = try await driver(for: live).reconcile(live, adoptUntagged: record.legacyUntagged)
                repairs += try await reconcileBridgeControls(record.bridgeControls, definition: live)  // bridge controls (issue 13)
                if record.legacyUntagged {
                    try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in current.legacyUntagged = false }
                }
                repairs += await attachPorts(of: name, definition: live)
                do {
                    if live.forward.mode.createsBridge { try await services.start(live) }
                } catch {
                    // The bridge is intact and guests keep their traffic; only the services are down.
                    logger.error("cannot start DHCP/DNS of a restored network", metadata: ["network": "\(name)", "error": "\(error)"])
                    repairs.append("services not started (\(error))")
                }
                logger.info("reconciled", metadata: ["network": "\(name)", "repairs": "\(repairs)"])
                return repairs.isEmpty ? "network \(name): intact" : "network \(name): " + repairs.joined(separator: "; ")
            } catch let error as PatchbayError where error.code == .unavailable && PortPlacement(live).ovsBridge != nil {
                // Open vSwitch may come up after patchbayd: the monitor's first connection
                // repairs the network then (`repairOVSNetworks`), so it stays active.
                logger.warning("Open vSwitch is not reachable; the network is repaired once it is", metadata: ["network": "\(name)", "error": "\(error)"])
                return "network \(name): waiting for Open vSwitch (\(error.message))"
            } catch {
                logger.error("cannot restore active network; marking it inactive", metadata: ["network": "\(name)", "error": "\(error)"])
                do {
                    if record.persistent {
                        try await mutate(name) { (current: inout NetworkRecord) throws(PatchbayError) in
                            current.live = nil
                            current.legacyUntagged = false
                        }
                    } else {
                        try await forget(name)
                    }
                    try await commitFirewall()
                } catch {
                    logger.error("cannot mark the network inactive", metadata: ["network": "\(name)", "error": "\(error)"])
                }
                return "network \(name): inactive (\(error))"
            }
        }
        return outcome ?? "network \(name): not reconciled"
    }
}
