import PatchbayModel

/// What `patchbay doctor` asks the kernel: a reading of the host (sysctls, the default route,
/// the upstream resolvers, answered or not), the links, and two active probes. The daemon's
/// implementation is `KernelDoctorProbe`; without one the doctor reports only the store's facts.
public protocol DoctorProbing: Sendable {
    /// ip_forward, bridge-nf-call-iptables, the default route's device and the resolvers of
    /// resolv.conf, each sent one query (`own`: the addresses Patchbay's DNS servers listen on).
    func host(own: Set<String>) async -> DoctorFacts
    /// Every link by name.
    func links() async -> [String: DoctorLinkState]
    /// A DISCOVER from a temporary port on `bridge`: whether an OFFER came back, and what.
    func probeDHCP(bridge: String) async -> (answered: Bool?, detail: String)
    /// ARP requests from the bridge (`source` its address) for each candidate: the addresses more
    /// than one MAC answers for.
    func duplicates(bridge: String, source: IPv4Address, candidates: [IPv4Address]) async -> [DoctorFacts.Duplicate]
}

public struct DoctorLinkState: Sendable, Hashable {
    public var index: Int32
    public var carrier: Bool
    public var up: Bool
    public var mtu: Int?
    public var bridgeState: String?

    public init(index: Int32, carrier: Bool, up: Bool, mtu: Int?, bridgeState: String?) {
        self.index = index
        self.carrier = carrier
        self.up = up
        self.mtu = mtu
        self.bridgeState = bridgeState
    }
}
