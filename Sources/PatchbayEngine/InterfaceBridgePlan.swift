import PatchbayModel

/// What `iface-bridge` and `iface-unbridge` need to know of a device: read from the kernel in
/// one go before planning, so that the plan itself is pure and tested without a kernel.
public struct InterfaceSnapshot: Sendable, Hashable {
    public var name: String
    public var index: Int32
    /// IFLA_INFO_KIND ("bridge", "veth", nil for lo and most physical NICs).
    public var kind: String?
    public var isLoopback: Bool
    public var mac: MACAddress?
    public var mtu: UInt32?
    /// The name of the bridge (or bond) the device is enslaved to.
    public var master: String?
    public var alias: String?
    /// Addresses as the kernel lists them, with scope (link-local ones are not moved: the bridge
    /// makes the same fe80:: address from the same MAC).
    public var addresses: [SnapshotAddress]
    /// Routes leaving by this device, of every table.
    public var routes: [HostRoute]
    /// Other devices enslaved to this one (for a bridge: its ports).
    public var ports: [String]

    public init(name: String, index: Int32, kind: String? = nil, isLoopback: Bool = false, mac: MACAddress? = nil,
                mtu: UInt32? = nil, master: String? = nil, alias: String? = nil, addresses: [SnapshotAddress] = [],
                routes: [HostRoute] = [], ports: [String] = []) {
        self.name = name
        self.index = index
        self.kind = kind
        self.isLoopback = isLoopback
        self.mac = mac
        self.mtu = mtu
        self.master = master
        self.alias = alias
        self.addresses = addresses
        self.routes = routes
        self.ports = ports
    }
}

/// One address of a snapshot. `isLinkLocal` is scope link (fe80::/10, 169.254/16 with scope link).
public struct SnapshotAddress: Sendable, Hashable {
    public var address: InterfaceAddress
    public var isLinkLocal: Bool

    public init(_ address: InterfaceAddress, isLinkLocal: Bool = false) {
        self.address = address
        self.isLinkLocal = isLinkLocal
    }
}

/// One kernel change of `iface-bridge`/`iface-unbridge`. Each has an exact inverse (`undo`), so
/// a failure at any step can put the host back as it was.
public enum InterfaceBridgeStep: Sendable, Hashable, CustomStringConvertible {
    /// `ip link add BRIDGE address MAC mtu MTU type bridge stp_state 0 forward_delay D` and
    /// `ip link set BRIDGE alias TAG`.
    case createBridge(name: String, mac: MACAddress?, mtu: UInt32?, forwardDelaySeconds: UInt32, alias: String)
    /// `ip link delete BRIDGE` (the inverse of createBridge; only in undo and unbridge).
    case deleteBridge(name: String, mac: MACAddress?, mtu: UInt32?, forwardDelaySeconds: UInt32, alias: String)
    case addAddress(InterfaceAddress, device: String)
    case deleteAddress(InterfaceAddress, device: String)
    case setUp(device: String, up: Bool)
    /// `ip link set NIC master BRIDGE` (bridge nil: `nomaster`); `previous` is what undo restores.
    case setMaster(device: String, master: String?, previous: String?)
    /// `ip route replace ROUTE dev DEVICE`; undo replaces it back onto `previousDevice`.
    case moveRoute(HostRoute, device: String, previousDevice: String)
    /// `ip link set BRIDGE type bridge stp_state 1|0 forward_delay D`.
    case setSTP(bridge: String, on: Bool, forwardDelaySeconds: UInt32)

    public var undo: InterfaceBridgeStep {
        switch self {
        case .createBridge(let n, let m, let t, let d, let a): .deleteBridge(name: n, mac: m, mtu: t, forwardDelaySeconds: d, alias: a)
        case .deleteBridge(let n, let m, let t, let d, let a): .createBridge(name: n, mac: m, mtu: t, forwardDelaySeconds: d, alias: a)
        case .addAddress(let a, let d): .deleteAddress(a, device: d)
        case .deleteAddress(let a, let d): .addAddress(a, device: d)
        case .setUp(let d, let up): .setUp(device: d, up: !up)
        case .setMaster(let d, let m, let p): .setMaster(device: d, master: p, previous: m)
        case .moveRoute(let r, let d, let p): .moveRoute(r, device: p, previousDevice: d)
        case .setSTP(let b, let on, let d): .setSTP(bridge: b, on: !on, forwardDelaySeconds: d)
        }
    }

    public var description: String {
        switch self {
        case .createBridge(let n, let m, let t, let d, _):
            "create bridge \(n)\(m.map { " address \($0)" } ?? "")\(t.map { " mtu \($0)" } ?? "") forward_delay \(d)s"
        case .deleteBridge(let n, _, _, _, _): "delete bridge \(n)"
        case .addAddress(let a, let d): "add address \(a) to \(d)"
        case .deleteAddress(let a, let d): "delete address \(a) from \(d)"
        case .setUp(let d, let up): "set \(d) \(up ? "up" : "down")"
        case .setMaster(let d, let m, _): m.map { "attach \(d) to \($0)" } ?? "release \(d) from its bridge"
        case .moveRoute(let r, let d, let p): "move route \(r) from \(p) to \(d)"
        case .setSTP(let b, let on, _): "turn STP \(on ? "on" : "off") on \(b)"
        }
    }
}

/// The ordered steps of `iface-bridge NIC BRIDGE` or `iface-unbridge BRIDGE`, computed from
/// snapshots. Why this order (measured with a ping through the NIC, see the README):
/// the bridge gets the NIC's MAC, so neighbours' ARP/ND caches stay right; it gets the NIC's
/// addresses and goes up *before* the NIC is enslaved, because from the moment of enslaving the
/// kernel hands every frame of the NIC to the bridge and an address only on the NIC would stop
/// answering; STP stays off while the NIC joins, so the port forwards at once instead of spending
/// 2 × forward delay listening and learning, and is turned on afterwards (the kernel's
/// br_stp_start leaves a forwarding port forwarding); routes are then replaced onto the bridge
/// (replace, so the default route never vanishes) and only then are the NIC's addresses removed,
/// since deleting an address deletes the routes through it.
public struct InterfaceBridgePlan: Sendable, Hashable {
    public var steps: [InterfaceBridgeStep]

    /// virsh's and the kernel's range for `--delay` (seconds): the kernel accepts 2-30 with STP
    /// on and raises anything below 2 to 2 when STP starts.
    public static let delayRange: ClosedRange<UInt32> = 0...30

    /// The kernel's rule for device names (dev_valid_name): 1-15 bytes, not "." or "..", no '/',
    /// ':' or whitespace. Checked before a name reaches netlink, which would refuse a long one
    /// with a policy error rather than say what is wrong.
    public static func checkName(_ name: String) throws(PatchbayError) {
        let bad = name.isEmpty || name.utf8.count > 15 || name == "." || name == ".."
            || name.unicodeScalars.contains { $0 == "/" || $0 == ":" || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
        if bad {
            throw PatchbayError(.invalidArgument, "'\(name)' is not a valid interface name (1-15 bytes, no '/', ':', spaces or control characters)")
        }
    }

    /// Plans `iface-bridge`. `nic` is nil when no such device exists; `existingBridge` is true
    /// when some device already has the bridge's name.
    public static func bridge(nic nicName: String, snapshot nic: InterfaceSnapshot?, bridge: String, bridgeNameTaken: Bool,
                              stp: Bool, delaySeconds: Int) throws(PatchbayError) -> InterfaceBridgePlan {
        try checkName(nicName)
        try checkName(bridge)
        guard let nic else { throw PatchbayError(.notFound, "no interface named '\(nicName)'") }
        if nic.isLoopback { throw PatchbayError(.invalidArgument, "'\(nic.name)' is the loopback interface; it cannot be bridged") }
        if nic.kind == "bridge" { throw PatchbayError(.invalidArgument, "'\(nic.name)' is itself a bridge") }
        if let master = nic.master {
            throw PatchbayError(.operationInvalid, "'\(nic.name)' is already attached to '\(master)'")
        }
        if bridgeNameTaken { throw PatchbayError(.alreadyExists, "an interface named '\(bridge)' already exists") }
        guard delaySeconds >= 0, delaySeconds <= Int(delayRange.upperBound) else {
            throw PatchbayError(.invalidArgument, "delay \(delaySeconds) is out of range (\(delayRange.lowerBound)-\(delayRange.upperBound) seconds)")
        }
        let delay = UInt32(delaySeconds)
        var steps: [InterfaceBridgeStep] = [
            .createBridge(name: bridge, mac: nic.mac, mtu: nic.mtu, forwardDelaySeconds: delay,
                          alias: HostBridgeTag(nic: nic.name).description),
        ]
        let moved = nic.addresses.filter { !$0.isLinkLocal }.map(\.address)
        steps += moved.map { .addAddress($0, device: bridge) }
        steps.append(.setUp(device: bridge, up: true))
        steps.append(.setMaster(device: nic.name, master: bridge, previous: nil))
        if stp { steps.append(.setSTP(bridge: bridge, on: true, forwardDelaySeconds: delay)) }
        steps += movableRoutes(nic.routes).map { .moveRoute($0, device: bridge, previousDevice: nic.name) }
        steps += moved.map { .deleteAddress($0, device: nic.name) }
        return InterfaceBridgePlan(steps: steps)
    }

    /// Plans `iface-unbridge`: only for a bridge tagged by `iface-bridge` whose one port is its
    /// NIC. The NIC gets the addresses back before it is released (so it answers the moment
    /// frames reach it again), routes are replaced back onto it, and the bridge is deleted, which
    /// removes its addresses. `nic` is the snapshot of the NIC the tag names.
    public static func unbridge(bridge bridgeName: String, snapshot bridge: InterfaceSnapshot?,
                                nic: InterfaceSnapshot?) throws(PatchbayError) -> InterfaceBridgePlan {
        guard let bridge else { throw PatchbayError(.notFound, "no interface named '\(bridgeName)'") }
        guard bridge.kind == "bridge" else { throw PatchbayError(.invalidArgument, "'\(bridge.name)' is not a bridge") }
        guard let tag = HostBridgeTag(bridge.alias) else {
            throw PatchbayError(.operationInvalid, "'\(bridge.name)' was not made by 'patchbay iface-bridge'; refusing to take it apart")
        }
        guard let nic, nic.master == bridge.name else {
            throw PatchbayError(.operationInvalid, "'\(bridge.name)' was made for '\(tag.nic)', which is no longer attached to it")
        }
        let others = bridge.ports.filter { $0 != nic.name }
        if !others.isEmpty {
            throw PatchbayError(.operationInvalid,
                                "'\(bridge.name)' has other devices attached besides '\(nic.name)': \(others.sorted().joined(separator: ", ")); detach them first")
        }
        let moved = bridge.addresses.filter { !$0.isLinkLocal }.map(\.address)
        let onNIC = Set(nic.addresses.map(\.address))
        // Addresses and routes go onto the NIC while it is still the bridge's port (it can carry
        // both, and traffic keeps flowing through the bridge); then the bridge is deleted, which
        // releases the NIC and drops the bridge's own prefix route in one kernel operation. A
        // separate `nomaster` first would leave a window in which that route still answers and
        // replies leave through an empty bridge (8 to 33 pings lost at 10 ms under load).
        var steps: [InterfaceBridgeStep] = moved.filter { !onNIC.contains($0) }.map { .addAddress($0, device: nic.name) }
        steps += movableRoutes(bridge.routes).map { .moveRoute($0, device: nic.name, previousDevice: bridge.name) }
        steps.append(.deleteBridge(name: bridge.name, mac: bridge.mac, mtu: bridge.mtu, forwardDelaySeconds: 0,
                                   alias: bridge.alias ?? ""))
        return InterfaceBridgePlan(steps: steps)
    }

    /// Routes the administrator or a DHCP/RA client made: not the kernel's own (prefix routes of
    /// addresses, fe80::/64, multicast), not the local table's, unicast only.
    static func movableRoutes(_ routes: [HostRoute]) -> [HostRoute] {
        routes.filter { $0.protocolID != 2 && $0.table != 255 && $0.type == 1 }
    }
}

/// Runs kernel steps for `InterfaceBridgeRunner`; the daemon's implementation is netlink, the
/// tests' a model of the kernel that can fail at any step.
public protocol InterfaceBridgeKernel: Sendable {
    func perform(_ step: InterfaceBridgeStep) async throws(PatchbayError)
}

/// Runs a plan; when a step fails, undoes every step done so far in reverse and throws the
/// failure, naming the step. An undo that fails does not stop the others (best effort, as the
/// engine's `Reverter`); its failure is added to the message, so the administrator knows what to
/// check by hand.
public enum InterfaceBridgeRunner {
    public static func run(_ plan: InterfaceBridgePlan, on kernel: some InterfaceBridgeKernel) async throws(PatchbayError) {
        var done: [InterfaceBridgeStep] = []
        for step in plan.steps {
            do {
                try await kernel.perform(step)
                done.append(step)
            } catch {
                var undoFailures: [String] = []
                for previous in done.reversed() {
                    do { try await kernel.perform(previous.undo) } catch {
                        undoFailures.append("\(previous.undo): \(error.message)")
                    }
                }
                var message = "cannot \(step): \(error.message); undid \(done.count) earlier step(s)"
                if !undoFailures.isEmpty { message += "; these undo steps failed: " + undoFailures.joined(separator: "; ") }
                throw PatchbayError(error.code, message, cause: error.cause)
            }
        }
    }
}
