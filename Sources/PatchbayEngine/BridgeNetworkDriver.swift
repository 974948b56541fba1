import Logging
import PatchbayModel

/// The four modes in which the network owns its bridge: isolated (no `<forward>`), nat, route and
/// open. All create the bridge with the network's addresses; their firewall fragments (none for
/// open, as libvirt documents) are the engine's `FirewallComposer`'s business.
struct BridgeNetworkDriver: NetworkDriver {
    let links: any LinkManaging
    let loopProtection: LoopProtection
    let faults: FaultPoints
    let logger: Logger

    /// libvirt's order (bridge_driver.c, networkStartNetworkVirtual): create the bridge with its
    /// MAC, MTU, STP and delay (the kernel's STP only under `LoopProtection.kernelSTP`); add the
    /// addresses; bring it up. The bridge is created under `temporaryDevice`, tagged, and only
    /// then given its name, so that a daemon killed at any step leaves either a device under the
    /// recorded temporary name or a tagged one: never an untagged bridge that recovery could not
    /// tell from someone else's.
    func start(_ definition: NetworkDefinition, temporaryDevice: String) async throws(PatchbayError) {
        guard let bridgeName = definition.bridge.name else {
            throw PatchbayError(.invalidArgument, "network '\(definition.name)' has no bridge name")
        }
        let tag = OwnershipTag.network(definition.uuid)
        if let existing = try await links.link(named: bridgeName) {
            guard existing.tag == tag else {
                throw PatchbayError(.operationInvalid,
                                    "cannot start network '\(definition.name)': a device named '\(bridgeName)' already exists"
                                        + (existing.kind.map { " (\($0))" } ?? "") + " and is not this network's"
                                        + (existing.alias.map { " (its alias is '\($0)')" } ?? ""))
            }
            // This network's own bridge, left behind by an operation nobody could finish: the
            // network is not running, so nothing is lost by starting afresh.
            logger.warning("deleting a bridge this network left behind", metadata: ["network": "\(definition.name)", "bridge": "\(bridgeName)"])
            try await links.deleteLink(index: existing.index)
        }
        let bridge = definition.bridge
        var reverter = Reverter()
        do throws(PatchbayError) {
            let created = try await links.createBridge(name: temporaryDevice, mac: definition.mac, mtu: definition.mtu.map(Int.init),
                                                       stp: loopProtection.runsKernelSTP(for: bridge),
                                                       delaySeconds: Int(clamping: bridge.delay))
            let index = created.index
            let links = self.links
            reverter.add("delete bridge \(bridgeName)") { () async throws(PatchbayError) in try await links.deleteLink(index: index) }
            await faults.reach(.startBridgeCreated)
            try await links.setAlias(index: index, tag.description)
            await faults.reach(.startBridgeTagged)
            try await links.rename(index: index, to: bridgeName)
            await faults.reach(.startBridgeRenamed)
            // DHCP replies must carry a correct UDP checksum (libvirt's CHECKSUM --checksum-fill
            // rule; nftables has no such statement): no offload on the bridge, so the kernel fills
            // it in. Only traffic the host itself sends is affected.
            try await links.disableTxChecksumOffload(named: bridgeName)
            for address in definition.interfaceAddresses {
                try await links.addAddress(address, index: index)
            }
            try await links.setLinkUp(index: index, true)
            await faults.reach(.startAddresses)
        } catch {
            logger.error("start failed, undoing", metadata: ["network": "\(definition.name)", "error": "\(error)",
                                                              "undo": "\(reverter.steps.reversed())"])
            await reverter.revert(logger: logger)
            throw PatchbayError(error.code, "cannot start network '\(definition.name)': \(error.message)", cause: error.cause)
        }
    }

    func stop(_ definition: NetworkDefinition, temporaryDevice: String?, adoptUntagged: Bool) async throws(PatchbayError) {
        if let temporaryDevice, let leftover = try await links.link(named: temporaryDevice) {
            // The name was drawn at random and recorded before the device was created: it is ours.
            try await links.deleteLink(index: leftover.index)
        }
        guard let bridgeName = definition.bridge.name, let bridge = try await links.link(named: bridgeName) else {
            logger.info("bridge already gone", metadata: ["network": "\(definition.name)"])
            return
        }
        guard isOwn(bridge, definition, adoptUntagged: adoptUntagged) else {
            logger.warning("the device named like the network's bridge is not its own; left alone",
                           metadata: ["network": "\(definition.name)", "device": "\(bridgeName)", "alias": "\(bridge.alias ?? "-")"])
            return
        }
        try await links.setLinkUp(index: bridge.index, false)
        try await links.deleteLink(index: bridge.index)
    }

    func reconcile(_ definition: NetworkDefinition, adoptUntagged: Bool) async throws(PatchbayError) -> [String] {
        guard let bridgeName = definition.bridge.name else { return [] }
        let bridge = definition.bridge
        guard let link = try await links.link(named: bridgeName) else {
            try await start(definition, temporaryDevice: OwnershipTag.temporaryDeviceName())
            return ["re-created missing bridge \(bridgeName)"]
        }
        guard link.kind == "bridge" else {
            throw PatchbayError(.operationInvalid,
                                "device '\(bridgeName)' of network '\(definition.name)' is a \(link.kind ?? "non-bridge") device, not a bridge")
        }
        var repairs: [String] = []
        let tag = OwnershipTag.network(definition.uuid)
        if link.tag != tag {
            guard adoptUntagged && link.alias == nil else {
                throw PatchbayError(.operationInvalid,
                                    "the bridge '\(bridgeName)' of network '\(definition.name)' is not Patchbay's (its alias is '\(link.alias ?? "")', not '\(tag)'): another program made it while patchbayd was not running")
            }
            try await links.setAlias(index: link.index, tag.description)
            repairs.append("tagged \(bridgeName), started by an earlier version")
        }
        if let mtu = definition.mtu.map(Int.init), link.mtu != mtu {
            try await links.setMTU(index: link.index, mtu)
            repairs.append("set MTU \(mtu) (was \(link.mtu.map(String.init) ?? "unknown"))")
        }
        let kernelSTP = loopProtection.runsKernelSTP(for: bridge)
        if kernelSTP && link.stp == false {
            // From the loop guard to kernel STP: ports the guard cut would stay cut for good.
            let enabled = try await links.enableDisabledPorts(ofBridge: link.index)
            if !enabled.isEmpty { repairs.append("enabled \(enabled.joined(separator: ", ")) for kernel STP to judge") }
        }
        if link.stp != kernelSTP || link.forwardDelayCentiseconds != Self.kernelForwardDelay(bridge, kernelSTP: kernelSTP) {
            try await links.setBridgeOptions(index: link.index, stp: kernelSTP, delaySeconds: Int(clamping: bridge.delay))
            repairs.append("set kernel STP \(kernelSTP ? "on" : "off") with delay \(bridge.delay) s")
        }
        let present = Set(try await links.addresses(index: link.index))
        for address in definition.interfaceAddresses where !present.contains(address) {
            try await links.addAddress(address, index: link.index)
            repairs.append("added address \(address)")
        }
        if !link.isUp {
            try await links.setLinkUp(index: link.index, true)
            repairs.append("set \(bridgeName) up")
        }
        return repairs
    }

    private func isOwn(_ link: LinkSnapshot, _ definition: NetworkDefinition, adoptUntagged: Bool) -> Bool {
        link.tag == .network(definition.uuid) || (adoptUntagged && link.alias == nil && link.kind == "bridge")
    }

    /// The forward delay the kernel reports for a bridge configured with `bridge`: with kernel STP
    /// on, the kernel raises anything below its 2 s minimum to 2 s.
    static func kernelForwardDelay(_ bridge: BridgeDefinition, kernelSTP: Bool) -> Int {
        let delay = Int(clamping: bridge.delay) * 100
        return kernelSTP ? max(delay, 200) : delay
    }
}
