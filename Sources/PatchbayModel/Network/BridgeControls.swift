/// The Linux bridge settings of a network that libvirt's XML has no place for (`patchbay
/// net-bridge-set`): stored on the network's record and applied at every start and
/// reconciliation. nil leaves the kernel's default. STP's forward delay and state stay in the
/// XML (`<bridge stp delay>`). The STP values act only while the kernel runs STP
/// (`--loop-protection kernel-stp`); they are applied anyway, so they read back and hold the
/// moment STP runs.
public struct BridgeControls: Sendable, Hashable, Codable {
    /// IFLA_BR_PRIORITY, the bridge priority in its STP bridge ID.
    public var priority: Int?
    /// IFLA_BR_HELLO_TIME in seconds.
    public var helloTimeSeconds: Int?
    /// IFLA_BR_MAX_AGE in seconds.
    public var maxAgeSeconds: Int?
    /// IFLA_BR_AGEING_TIME in seconds: how long a learned FDB entry lives unused (0: for ever).
    public var ageingTimeSeconds: Int?

    public init(priority: Int? = nil, helloTimeSeconds: Int? = nil, maxAgeSeconds: Int? = nil, ageingTimeSeconds: Int? = nil) {
        self.priority = priority
        self.helloTimeSeconds = helloTimeSeconds
        self.maxAgeSeconds = maxAgeSeconds
        self.ageingTimeSeconds = ageingTimeSeconds
    }

    public var isEmpty: Bool { self == BridgeControls() }

    /// The kernel's ranges (br_stp_if.c/br_stp.c: BR_MIN/MAX_HELLO_TIME 1-10 s,
    /// BR_MIN/MAX_MAX_AGE 6-40 s, refused with ERANGE whether STP runs or not; the priority is a
    /// u16; the ageing time any u32 of centiseconds), checked here so that the error names the
    /// option instead of the kernel's bare ERANGE.
    public static let priorityRange = 0...65535
    public static let helloTimeRange = 1...10
    public static let maxAgeRange = 6...40
    public static let ageingTimeRange = 0...42_949_672

    public func validate() throws(PatchbayError) {
        try Self.check(priority, Self.priorityRange, "--priority")
        try Self.check(helloTimeSeconds, Self.helloTimeRange, "--hello-time", unit: " s")
        try Self.check(maxAgeSeconds, Self.maxAgeRange, "--max-age", unit: " s")
        try Self.check(ageingTimeSeconds, Self.ageingTimeRange, "--ageing-time", unit: " s")
    }

    /// Values given in `other` replace these.
    public func merging(_ other: BridgeControls) -> BridgeControls {
        BridgeControls(priority: other.priority ?? priority, helloTimeSeconds: other.helloTimeSeconds ?? helloTimeSeconds,
                       maxAgeSeconds: other.maxAgeSeconds ?? maxAgeSeconds, ageingTimeSeconds: other.ageingTimeSeconds ?? ageingTimeSeconds)
    }

    static func check(_ value: Int?, _ range: ClosedRange<Int>, _ option: String, unit: String = "") throws(PatchbayError) {
        guard let value, !range.contains(value) else { return }
        throw PatchbayError(.invalidArgument, "\(option) \(value) is out of range",
                            cause: "the kernel accepts \(range.lowerBound)-\(range.upperBound)\(unit)")
    }
}

/// A bridge port's own settings (`patchbay net-port-set`), stored on the port and applied when it
/// is plugged into its bridge. nil leaves the default: for `isolated` the network's
/// `<port isolated='yes'/>` (guest ports only), for the others the kernel's.
public struct PortBridgeControls: Sendable, Hashable, Codable {
    /// IFLA_BRPORT_ISOLATED: an isolated port forwards only to ports that are not isolated.
    public var isolated: Bool?
    /// IFLA_BRPORT_LEARNING: whether the bridge learns source addresses on the port.
    public var learning: Bool?
    /// IFLA_BRPORT_PRIORITY (STP port priority).
    public var priority: Int?
    /// IFLA_BRPORT_COST (STP path cost).
    public var cost: Int?

    public init(isolated: Bool? = nil, learning: Bool? = nil, priority: Int? = nil, cost: Int? = nil) {
        self.isolated = isolated
        self.learning = learning
        self.priority = priority
        self.cost = cost
    }

    public var isEmpty: Bool { self == PortBridgeControls() }

    /// br_stp_if.c: BR_MAX_PORT_PRIORITY is 63 (the port ID's upper 6 bits), path costs 1-65535
    /// (BR_MIN_PATH_COST, BR_MAX_PATH_COST); both refused with ERANGE.
    public static let priorityRange = 0...63
    public static let costRange = 1...65535

    public func validate() throws(PatchbayError) {
        try BridgeControls.check(priority, Self.priorityRange, "--priority")
        try BridgeControls.check(cost, Self.costRange, "--cost")
    }

    public func merging(_ other: PortBridgeControls) -> PortBridgeControls {
        PortBridgeControls(isolated: other.isolated ?? isolated, learning: other.learning ?? learning,
                           priority: other.priority ?? priority, cost: other.cost ?? cost)
    }

    /// What to write to a port: its own settings, isolation falling back to the network's
    /// `<port isolated='yes'/>` for guest ports. Uplinks are never isolated by the network.
    public static func effective(port: PortBridgeControls?, networkIsolated: Bool, isUplink: Bool) -> PortBridgeControls {
        var result = port ?? PortBridgeControls()
        if result.isolated == nil, networkIsolated, !isUplink { result.isolated = true }
        return result
    }
}

/// One forwarding database entry as `patchbay net-fdb` shows it: `bridge fdb show br BR` with
/// Patchbay's names for the port it points at.
public struct FDBEntryInfo: Sendable, Hashable, Codable {
    public var mac: MACAddress
    public var vlan: Int?
    /// The device the entry points at (a port, or the bridge itself).
    public var device: String
    /// The port's UUID and owner when the device is a stored port; "bridge" / "uplink" otherwise.
    public var portUUID: NetworkUUID?
    public var owner: String?
    /// "learned", "static" or "permanent" (the bridge's own addresses).
    public var state: String
    /// The entry is in the bridge's table (`master`) rather than the device's own (`self`).
    public var master: Bool
    /// Seconds since the entry was last refreshed and last used, when the kernel says.
    public var updatedSeconds: Int?
    public var usedSeconds: Int?

    public init(mac: MACAddress, vlan: Int? = nil, device: String, portUUID: NetworkUUID? = nil, owner: String? = nil,
                state: String, master: Bool, updatedSeconds: Int? = nil, usedSeconds: Int? = nil) {
        self.mac = mac
        self.vlan = vlan
        self.device = device
        self.portUUID = portUUID
        self.owner = owner
        self.state = state
        self.master = master
        self.updatedSeconds = updatedSeconds
        self.usedSeconds = usedSeconds
    }
}
