import Logging
import PatchbayModel

/// Networks without `<forward>`: a bridge with the network's addresses, reachable from the host
/// and from each other's guests, and nothing routed beyond (the firewall part arrives with the
/// NFTables target). The nat, route and open drivers build on the same bridge steps.
struct IsolatedNetworkDriver: NetworkDriver {
    let links: any LinkManaging
    let logger: Logger

    /// libvirt's order (bridge_driver.c, networkStartNetworkVirtual): create the bridge with its
    /// MAC, MTU, STP and delay; add the addresses; bring it up. Each completed step registers its
    /// undo first, so a failure at any point removes everything this start created.
    func start(_ definition: NetworkDefinition) throws(PatchbayError) {
        guard let bridge = definition.bridge else {
            throw PatchbayError(.invalidArgument, "network '\(definition.name)' has no bridge name")
        }
        if let existing = try links.link(named: bridge.name) {
            throw PatchbayError(.operationInvalid,
                                "cannot start network '\(definition.name)': a device named '\(bridge.name)' already exists"
                                    + (existing.kind.map { " (\($0))" } ?? ""))
        }
        var reverter = Reverter()
        do {
            try links.createBridge(name: bridge.name, mac: definition.mac, mtu: definition.mtu, stp: bridge.stp,
                                   delaySeconds: bridge.delay)
            reverter.add("delete bridge \(bridge.name)") { () throws(PatchbayError) in try links.deleteLink(named: bridge.name) }
            for address in definition.addresses {
                try links.addAddress(address, to: bridge.name)
                reverter.add("delete address \(address)") { () throws(PatchbayError) in
                    try links.deleteAddress(address, from: bridge.name)
                }
            }
            try links.setLinkUp(named: bridge.name, true)
            reverter.add("set \(bridge.name) down") { () throws(PatchbayError) in try links.setLinkUp(named: bridge.name, false) }
        } catch {
            logger.error("start failed, undoing", metadata: ["network": "\(definition.name)", "error": "\(error)",
                                                              "undo": "\(reverter.steps.reversed())"])
            reverter.revert(logger: logger)
            throw PatchbayError(error.code, "cannot start network '\(definition.name)': \(error.message)", cause: error.cause)
        }
    }

    func stop(_ definition: NetworkDefinition) throws(PatchbayError) {
        guard let bridge = definition.bridge, try links.link(named: bridge.name) != nil else {
            logger.warning("bridge already gone", metadata: ["network": "\(definition.name)"])
            return
        }
        try links.setLinkUp(named: bridge.name, false)
        try links.deleteLink(named: bridge.name)
    }

    func reconcile(_ definition: NetworkDefinition) throws(PatchbayError) -> [String] {
        guard let bridge = definition.bridge else { return [] }
        guard let link = try links.link(named: bridge.name) else {
            try start(definition)
            return ["re-created missing bridge \(bridge.name)"]
        }
        guard link.kind == "bridge" else {
            throw PatchbayError(.operationInvalid,
                                "device '\(bridge.name)' of network '\(definition.name)' is a \(link.kind ?? "non-bridge") device, not a bridge")
        }
        var repairs: [String] = []
        if let mtu = definition.mtu, link.mtu != mtu {
            try links.setMTU(named: bridge.name, mtu)
            repairs.append("set MTU \(mtu) (was \(link.mtu.map(String.init) ?? "unknown"))")
        }
        if link.stp != bridge.stp || link.forwardDelayCentiseconds != Self.kernelForwardDelay(bridge) {
            try links.setBridgeOptions(name: bridge.name, stp: bridge.stp, delaySeconds: bridge.delay)
            repairs.append("set STP \(bridge.stp ? "on" : "off") with delay \(bridge.delay) s")
        }
        let present = Set(try links.addresses(of: bridge.name))
        for address in definition.addresses where !present.contains(address) {
            try links.addAddress(address, to: bridge.name)
            repairs.append("added address \(address)")
        }
        if !link.isUp {
            try links.setLinkUp(named: bridge.name, true)
            repairs.append("set \(bridge.name) up")
        }
        return repairs
    }

    /// The forward delay the kernel reports for a bridge configured with `bridge`: with STP on,
    /// the kernel raises anything below its 2 s minimum to 2 s.
    static func kernelForwardDelay(_ bridge: BridgeSettings) -> Int {
        bridge.stp ? max(bridge.delay * 100, 200) : bridge.delay * 100
    }
}
