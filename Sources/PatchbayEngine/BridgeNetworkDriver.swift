import Logging
import NFTables
import PatchbayModel

/// The four modes in which the network owns its bridge: isolated (no `<forward>`), nat, route and
/// open. All create the bridge with the network's addresses; isolated, nat and route add their
/// firewall rules (open adds none, as libvirt documents), and nat and route turn on IP forwarding.
struct BridgeNetworkDriver: NetworkDriver {
    let links: any LinkManaging
    /// nil: no rules at all (open mode, or a daemon without a firewall).
    let firewall: (any FirewallApplying)?
    let portForwards: [PortForward]
    let loopProtection: LoopProtection
    let logger: Logger

    /// libvirt's order (bridge_driver.c, networkStartNetworkVirtual): create the bridge with its
    /// MAC, MTU, STP (the kernel's only under `LoopProtection.kernelSTP`) and delay; add the addresses; bring it up. Each completed step registers its
    /// undo first, so a failure at any point removes everything this start created.
    func start(_ definition: NetworkDefinition) throws(PatchbayError) {
        guard let bridgeName = definition.bridge.name else {
            throw PatchbayError(.invalidArgument, "network '\(definition.name)' has no bridge name")
        }
        let bridge = definition.bridge
        if let existing = try links.link(named: bridgeName) {
            throw PatchbayError(.operationInvalid,
                                "cannot start network '\(definition.name)': a device named '\(bridgeName)' already exists"
                                    + (existing.kind.map { " (\($0))" } ?? ""))
        }
        var reverter = Reverter()
        do {
            try links.createBridge(name: bridgeName, mac: definition.mac, mtu: definition.mtu.map(Int.init),
                                   stp: loopProtection.runsKernelSTP(for: bridge), delaySeconds: Int(clamping: bridge.delay))
            reverter.add("delete bridge \(bridgeName)") { () throws(PatchbayError) in try links.deleteLink(named: bridgeName) }
            // DHCP replies must carry a correct UDP checksum (libvirt's CHECKSUM --checksum-fill
            // rule; nftables has no such statement): no offload on the bridge, so the kernel fills
            // it in. Only traffic the host itself sends is affected.
            try links.disableTxChecksumOffload(named: bridgeName)
            for address in definition.interfaceAddresses {
                try links.addAddress(address, to: bridgeName)
                reverter.add("delete address \(address)") { () throws(PatchbayError) in
                    try links.deleteAddress(address, from: bridgeName)
                }
            }
            try links.setLinkUp(named: bridgeName, true)
            reverter.add("set \(bridgeName) down") { () throws(PatchbayError) in try links.setLinkUp(named: bridgeName, false) }
            // libvirt's order: the firewall after the bridge is up, before DHCP/DNS.
            if let firewall, let rules = try FirewallNetwork(definition: definition, portForwards: portForwards) {
                if rules.mode != .isolated { try firewall.enableForwarding(ipv6: !rules.ipv6Subnets.isEmpty) }
                try firewall.apply(rules)
                reverter.add("remove firewall rules") { () throws(PatchbayError) in try firewall.remove(definition.name) }
            }
        } catch {
            logger.error("start failed, undoing", metadata: ["network": "\(definition.name)", "error": "\(error)",
                                                              "undo": "\(reverter.steps.reversed())"])
            reverter.revert(logger: logger)
            throw PatchbayError(error.code, "cannot start network '\(definition.name)': \(error.message)", cause: error.cause)
        }
    }

    func stop(_ definition: NetworkDefinition) throws(PatchbayError) {
        try firewall?.remove(definition.name)
        guard let bridgeName = definition.bridge.name, try links.link(named: bridgeName) != nil else {
            logger.warning("bridge already gone", metadata: ["network": "\(definition.name)"])
            return
        }
        try links.setLinkUp(named: bridgeName, false)
        try links.deleteLink(named: bridgeName)
    }

    func reconcile(_ definition: NetworkDefinition) throws(PatchbayError) -> [String] {
        guard let bridgeName = definition.bridge.name else { return [] }
        let bridge = definition.bridge
        guard let link = try links.link(named: bridgeName) else {
            try start(definition)
            return ["re-created missing bridge \(bridgeName)"]
        }
        guard link.kind == "bridge" else {
            throw PatchbayError(.operationInvalid,
                                "device '\(bridgeName)' of network '\(definition.name)' is a \(link.kind ?? "non-bridge") device, not a bridge")
        }
        var repairs: [String] = []
        if let mtu = definition.mtu.map(Int.init), link.mtu != mtu {
            try links.setMTU(named: bridgeName, mtu)
            repairs.append("set MTU \(mtu) (was \(link.mtu.map(String.init) ?? "unknown"))")
        }
        let kernelSTP = loopProtection.runsKernelSTP(for: bridge)
        if kernelSTP && link.stp == false {
            // From the loop guard to kernel STP: ports the guard cut would stay cut for good.
            let enabled = try links.enableDisabledPorts(ofBridge: bridgeName)
            if !enabled.isEmpty { repairs.append("enabled \(enabled.joined(separator: ", ")) for kernel STP to judge") }
        }
        if link.stp != kernelSTP || link.forwardDelayCentiseconds != Self.kernelForwardDelay(bridge, kernelSTP: kernelSTP) {
            try links.setBridgeOptions(name: bridgeName, stp: kernelSTP, delaySeconds: Int(clamping: bridge.delay))
            repairs.append("set kernel STP \(kernelSTP ? "on" : "off") with delay \(bridge.delay) s")
        }
        let present = Set(try links.addresses(of: bridgeName))
        for address in definition.interfaceAddresses where !present.contains(address) {
            try links.addAddress(address, to: bridgeName)
            repairs.append("added address \(address)")
        }
        if !link.isUp {
            try links.setLinkUp(named: bridgeName, true)
            repairs.append("set \(bridgeName) up")
        }
        return repairs
    }

    /// The forward delay the kernel reports for a bridge configured with `bridge`: with kernel STP
    /// on, the kernel raises anything below its 2 s minimum to 2 s.
    static func kernelForwardDelay(_ bridge: BridgeDefinition, kernelSTP: Bool) -> Int {
        let delay = Int(clamping: bridge.delay) * 100
        return kernelSTP ? max(delay, 200) : delay
    }
}
