import PatchbayModel

/// The loop guard's decisions, without I/O: which ports to probe each round, which port to
/// disable when a probe comes back, and when a disabled port may forward again.
///
/// A probe sent out of port P that comes back in on port Q of the same bridge means something
/// beyond the bridge (a guest's own bridge, usually) joins P and Q: a loop. Of the two, the port
/// with the higher interface index, the one created later, is disabled, so both directions of
/// the same loop pick the same port and the guest keeps its older connection. Only one bridge
/// cuts in a round: a loop through two networks (two guests each joining both) is seen by both
/// bridges at once, and one cut breaks it; a second would be needless and could cut a guest off.
/// A disabled port is still probed; once its probes have stayed away for `recoveryRounds` rounds,
/// the loop is gone and it forwards again. Uplinks (a host's NIC on the bridge) are never probed,
/// so no probe leaves onto a LAN, and never disabled: a loop through one is cut at the guest's
/// port.
public struct LoopGuardCore: Sendable {
    public enum Action: Sendable, Hashable {
        /// Disable `port`: its traffic came back through `partner`.
        case disable(bridge: Int32, port: Int32, partner: Int32)
        /// `port` no longer closes a loop.
        case enable(bridge: Int32, port: Int32)
    }

    public let recoveryRounds: Int
    /// Ports the guard holds disabled, by bridge, with the rounds since their probes last came
    /// back.
    public private(set) var blocked: [Int32: [Int32: Int]] = [:]
    /// The ports seen at the start of the current round, by bridge.
    private var ports: [Int32: [Int32: BridgePortStatus]] = [:]
    /// Egress ports whose probe already came back this round: a probe circling a loop arrives
    /// many times and counts once.
    private var answered: [Int32: Set<Int32>] = [:]
    /// The bridge that disabled a port this round, if any.
    private var cuttingBridge: Int32?
    /// Uplink ports by bridge, as of the current round.
    private var uplinks: [Int32: Set<Int32>] = [:]

    public init(recoveryRounds: Int) {
        self.recoveryRounds = recoveryRounds
    }

    /// Starts a round (before `beginRound(bridge:ports:)` for each guarded bridge).
    public mutating func startRound() {
        cuttingBridge = nil
    }

    /// Starts a round on `bridge` with its ports as the kernel reports them now. Returns the ports
    /// to enable and the ports to send a probe out of.
    public mutating func beginRound(bridge: Int32, ports current: [BridgePortStatus],
                                    uplinks: Set<Int32> = []) -> (actions: [Action], probe: [Int32]) {
        ports[bridge] = Dictionary(current.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        self.uplinks[bridge] = uplinks
        answered[bridge] = []
        var held = blocked[bridge] ?? [:]
        var actions: [Action] = []
        for (index, silentRounds) in held.sorted(by: { $0.key < $1.key }) {
            guard let port = ports[bridge]?[index], port.state == .disabled else {
                // Gone, or the kernel enabled it again (a carrier change does): probes will tell
                // if the loop is still there.
                held[index] = nil
                continue
            }
            guard port.carrier else { continue }
            if silentRounds + 1 > recoveryRounds {
                held[index] = nil
                actions.append(.enable(bridge: bridge, port: index))
            } else {
                held[index] = silentRounds + 1
            }
        }
        // A port left disabled with its carrier up is one this guard disabled before a restart (or
        // someone disabled by hand): it is held, probed, and enabled once it proves loop-free.
        for port in current where port.state == .disabled && port.carrier && held[port.index] == nil && !uplinks.contains(port.index)
            && !actions.contains(.enable(bridge: bridge, port: port.index)) {
            held[port.index] = 0
        }
        blocked[bridge] = held
        let probe = current.filter { $0.carrier && !uplinks.contains($0.index) && ($0.state == .forwarding || held[$0.index] != nil) }
            .map(\.index)
        return (actions, probe)
    }

    /// Whether the probe out of `egress` is worth asking the kernel about now, and if so, marks
    /// it answered for this round: copies of a probe circling a loop arrive by the thousand, and a
    /// guest may send its own port's probe back at line rate; one lookup per port and round is
    /// enough.
    public mutating func claimAnswer(bridge: Int32, egress: Int32) -> Bool {
        guard ports[bridge]?[egress] != nil else { return false }
        return answered[bridge]?.insert(egress).inserted ?? false
    }

    /// A probe sent out of `egress` came back into `bridge` on `ingress` (nil: the bridge could
    /// not say where); the caller claimed the answer first. Returns the port to disable, if this
    /// closes a loop that still forwards.
    public mutating func probeReturned(bridge: Int32, egress: Int32, ingress: Int32?) -> Action? {
        guard let known = ports[bridge], known[egress] != nil, let ingress, ingress != egress, known[ingress] != nil else {
            return nil
        }
        if blocked[bridge]?[egress] != nil {
            blocked[bridge]?[egress] = 0
            return nil
        }
        if blocked[bridge]?[ingress] != nil { return nil }
        if let cuttingBridge, cuttingBridge != bridge { return nil }
        let guarded = uplinks[bridge] ?? []
        let candidates = [egress, ingress].filter { !guarded.contains($0) }
        guard let victim = candidates.max() else { return nil }
        let partner = victim == egress ? ingress : egress
        cuttingBridge = bridge
        blocked[bridge, default: [:]][victim] = 0
        return .disable(bridge: bridge, port: victim, partner: partner)
    }

    /// `bridge` is no longer guarded (its network stopped).
    public mutating func forget(bridge: Int32) {
        blocked[bridge] = nil
        uplinks[bridge] = nil
        ports[bridge] = nil
        answered[bridge] = nil
    }

    public var guardedBridges: Set<Int32> { Set(ports.keys) }

    public func portName(bridge: Int32, index: Int32) -> String {
        ports[bridge]?[index]?.name ?? "interface \(index)"
    }
}
