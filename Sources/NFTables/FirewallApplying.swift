import PatchbayModel

/// The firewall as the engine sees it (the daemon gives it `NFTablesFirewall`; engine tests a
/// recording fake). The engine hands over the whole desired state each time; the firewall
/// computes the difference to what it applied and changes the kernel in one transaction, so a
/// failure leaves the previous rules in force, never a half-built table.
public protocol FirewallApplying: Sendable {
    /// Makes Patchbay's tables (and the accept rules it keeps in other programs' chains) hold
    /// exactly `state`.
    func apply(_ state: FirewallState) async throws(PatchbayError)
    /// At daemon start: like `apply`, but leaves the kernel alone when it already holds exactly
    /// what was applied last. Returns whether anything was re-applied.
    func restore(_ state: FirewallState) async throws(PatchbayError) -> Bool
    /// Turns on IP forwarding for nat and route networks.
    func enableForwarding(ipv6: Bool) async throws(PatchbayError)
    /// Other programs' forward chains that drop what they do not know, with the bridges Patchbay
    /// has opened each for (`patchbay doctor`).
    func foreignDrops() async -> [DoctorFacts.ForeignDrop]
}

extension FirewallApplying {
    public func foreignDrops() async -> [DoctorFacts.ForeignDrop] { [] }
}

/// Everything Patchbay's firewall must hold, as fragments keyed by their owner: each running
/// network owns its chains and map entries, its port forwards, and its coexistence accept rules
/// in other programs' chains. A change to one owner's fragment changes only that fragment's
/// rules.
public struct FirewallState: Sendable, Hashable {
    /// Owner: the network. Its chains, verdict-map entries and NAT chain.
    public var networks: [String: FirewallNetwork]
    /// Owner: the network's port forwards (for nat networks in `networks`).
    public var portForwards: [String: [PortForward]]
    /// Owner: the network's coexistence rules: the bridge whose forwarded traffic other programs'
    /// dropping forward chains must let through (see `ForeignForwardChain`).
    public var coexistence: [String: String]

    public init(networks: [String: FirewallNetwork] = [:], portForwards: [String: [PortForward]] = [:],
                coexistence: [String: String] = [:]) {
        self.networks = networks
        self.portForwards = portForwards
        self.coexistence = coexistence
    }

    /// The desired state of these networks, each with its port forwards and coexistence rules.
    public init(networks: [FirewallNetwork], portForwards: [PortForward], coexistence: Bool) {
        var byName: [String: FirewallNetwork] = [:]
        for network in networks { byName[network.name] = network }
        self.networks = byName
        self.portForwards = Dictionary(grouping: portForwards.filter { byName[$0.network]?.mode == .nat }, by: \.network)
        self.coexistence = coexistence ? byName.mapValues(\.bridge) : [:]
    }

    public static let empty = FirewallState()

    /// The bridges whose forwarded traffic Patchbay's tables judge: also the fail-closed set.
    public var bridges: [String] { networks.values.map(\.bridge).sorted() }

    /// Every port forward, ordered, for the nat networks present.
    public var activePortForwards: [PortForward] {
        networks.keys.sorted().flatMap { name in networks[name]?.mode == .nat ? portForwards[name] ?? [] : [] }
    }

    public var sortedNetworks: [FirewallNetwork] { networks.values.sorted { $0.name < $1.name } }
}
