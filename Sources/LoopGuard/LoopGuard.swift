import Foundation
import Logging
import PatchbayModel
import Synchronization

/// Patchbay's loop protection for bridges run without kernel STP (see `LoopProtection`): every
/// `interval` it sends a `LoopProbe` out of each port of each guarded bridge, and a probe that
/// comes back in through another port of the same bridge gets one of the two ports disabled
/// (`LoopGuardCore` decides which). New ports forward at once; a loop a guest closes is cut
/// within one interval.
///
/// The guard runs on a thread of its own with its own kernel sockets, and is told which bridges
/// to watch (`setGuardedBridges`) rather than asking anyone: how fast a loop is cut is a safety
/// property, and must not depend on how busy the control plane or the concurrency pool is.
public final class LoopGuard: Sendable {
    public static let defaultInterval: Duration = .seconds(1)
    public static let defaultRecoveryRounds = 5

    private let control: any BridgePortControlling
    private let interval: Duration
    private let recoveryRounds: Int
    /// The key of the probes' tokens (see `LoopProbe`), drawn at start.
    private let secret: (UInt64, UInt64)
    private let logger: Logger
    private let wanted = Mutex<[GuardedBridge]>([])
    private let stopped = Atomic(false)
    private let running = Atomic(false)
    private let roundsDone = Atomic(0)
    private let cutsMade = Atomic(0)
    private let report = Mutex<(@Sendable (Report) -> Void)?>(nil)

    /// What the guard did, for the event stream: called on the guard's thread, so the handler
    /// only hands the report on.
    public enum Report: Sendable, Hashable {
        case cut(network: String, port: String, partner: String)
        case restored(network: String, port: String)
    }

    public func setReport(_ body: @escaping @Sendable (Report) -> Void) { report.withLock { $0 = body } }
    /// Rounds run and ports cut since start (`patchbay_loop_guard_*` metrics).
    public var rounds: Int { roundsDone.load(ordering: .relaxed) }
    public var cuts: Int { cutsMade.load(ordering: .relaxed) }

    public init(control: any BridgePortControlling, interval: Duration = LoopGuard.defaultInterval,
                recoveryRounds: Int = LoopGuard.defaultRecoveryRounds, logger: Logger) {
        self.control = control
        self.interval = interval
        self.recoveryRounds = recoveryRounds
        self.secret = (UInt64.random(in: 0...UInt64.max), UInt64.random(in: 0...UInt64.max))
        self.logger = logger
    }

    /// The bridges to watch from the next round on (the engine calls this whenever networks start
    /// or stop).
    public func setGuardedBridges(_ bridges: [GuardedBridge]) {
        wanted.withLock { $0 = bridges }
    }

    /// Starts the guard's thread (once).
    public func start() {
        guard !running.exchange(true, ordering: .relaxed) else { return }
        let thread = Thread { [self] in run() }
        thread.name = "patchbay-loop-guard"
        thread.start()
    }

    /// Ends the thread after its current wait (at most half a second), and the control's.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
        control.stop()
    }

    private func run() {
        var state = RoundState(core: LoopGuardCore(recoveryRounds: recoveryRounds))
        let clock = ContinuousClock()
        var next = clock.now
        while !stopped.load(ordering: .relaxed) {
            if clock.now >= next {
                round(&state)
                next = max(next + interval, clock.now)
            }
            let wait = min(max(Int32((next - clock.now).milliseconds), 1), 500)
            do {
                if let (index, frame) = try control.receiveProbe(waitingUpTo: wait) {
                    received(frame, on: index, &state)
                }
            } catch {
                logger.error("loop guard: cannot receive probes", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        running.store(false, ordering: .relaxed)
    }

    struct RoundState {
        var core: LoopGuardCore
        /// Network names by guarded bridge index, for log messages.
        var networks: [Int32: String] = [:]
    }

    /// One round: enable ports whose loop is gone, probe every port that may carry traffic.
    func round(_ state: inout RoundState) {
        let bridges = wanted.withLock { $0 }
        var guarded: [Int32: GuardedBridge] = [:]
        for entry in bridges {
            if let index = try? control.bridgeIndex(named: entry.bridge) { guarded[index] = entry }
        }
        for bridge in state.core.guardedBridges where guarded[bridge] == nil { state.core.forget(bridge: bridge) }
        state.networks = guarded.mapValues(\.network)
        state.core.startRound()
        roundsDone.add(1, ordering: .relaxed)
        for (bridge, entry) in guarded.sorted(by: { $0.key < $1.key }) {
            let ports: [BridgePortStatus]
            do { ports = try control.ports(ofBridge: bridge) } catch {
                logger.warning("loop guard: cannot list bridge ports", metadata: ["network": "\(entry.network)", "error": "\(error)"])
                continue
            }
            let uplinks = Set(ports.filter { entry.isUplink($0.name) }.map(\.index))
            let (actions, probe) = state.core.beginRound(bridge: bridge, ports: ports, uplinks: uplinks)
            for action in actions { apply(action, &state) }
            for port in probe {
                let frame = LoopProbe(bridgeIndex: bridge, egressIndex: port, token: token(bridge, port)).frame
                do { try control.send(frame: frame, interfaceIndex: port) } catch {
                    logger.debug("loop guard: probe not sent", metadata: ["port": "\(state.core.portName(bridge: bridge, index: port))",
                                                                          "error": "\(error)"])
                }
            }
        }
    }

    /// A probe frame arrived on `interfaceIndex`: if it is ours and entered its own bridge through
    /// another port than it left by, there is a loop.
    func received(_ frame: [UInt8], on interfaceIndex: Int32, _ state: inout RoundState) {
        guard let probe = LoopProbe(frame: frame, token: token), probe.bridgeIndex == interfaceIndex,
              state.networks[interfaceIndex] != nil,
              state.core.claimAnswer(bridge: probe.bridgeIndex, egress: probe.egressIndex) else { return }
        let ingress: Int32?
        do { ingress = try control.learnedPort(of: probe.sourceMAC, bridgeIndex: probe.bridgeIndex) } catch {
            logger.debug("loop guard: forwarding database lookup failed", metadata: ["error": "\(error)"])
            return
        }
        if let action = state.core.probeReturned(bridge: probe.bridgeIndex, egress: probe.egressIndex, ingress: ingress) {
            apply(action, &state)
        }
    }

    /// A keyed hash (SipHash, through the standard library's randomly seeded `Hasher`, with the
    /// daemon's own secret mixed in) of bridge and egress port.
    private func token(_ bridge: Int32, _ egress: Int32) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(secret.0)
        hasher.combine(bridge)
        hasher.combine(egress)
        hasher.combine(secret.1)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    private func apply(_ action: LoopGuardCore.Action, _ state: inout RoundState) {
        switch action {
        case let .disable(bridge, port, partner):
            let name = state.core.portName(bridge: bridge, index: port)
            let other = state.core.portName(bridge: bridge, index: partner)
            do {
                try control.setPortState(index: port, .disabled)
                cutsMade.add(1, ordering: .relaxed)
                report.withLock { $0 }?(.cut(network: state.networks[bridge] ?? "?", port: name, partner: other))
                logger.warning("loop detected: frames leaving one port came back through the other; \(name) disabled until the loop is gone",
                               metadata: ["network": "\(state.networks[bridge] ?? "?")", "ports": "\(other) \(name)"])
            } catch {
                logger.error("loop detected but \(name) could not be disabled",
                             metadata: ["network": "\(state.networks[bridge] ?? "?")", "ports": "\(other) \(name)", "error": "\(error)"])
            }
        case let .enable(bridge, port):
            let name = state.core.portName(bridge: bridge, index: port)
            do {
                try control.setPortState(index: port, .forwarding)
                report.withLock { $0 }?(.restored(network: state.networks[bridge] ?? "?", port: name))
                logger.notice("loop gone: \(name) forwards again", metadata: ["network": "\(state.networks[bridge] ?? "?")"])
            } catch {
                logger.error("\(name) could not be enabled again", metadata: ["network": "\(state.networks[bridge] ?? "?")", "error": "\(error)"])
            }
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
