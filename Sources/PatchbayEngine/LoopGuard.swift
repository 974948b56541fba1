import Foundation
import Logging
import PatchbayModel
import Synchronization

/// A bridge the loop guard watches: the bridge of an active network whose definition asks for
/// STP, under `LoopProtection.loopGuard`.
public struct GuardedBridge: Sendable, Hashable {
    public var network: String
    public var bridge: String

    public init(network: String, bridge: String) {
        self.network = network
        self.bridge = bridge
    }
}

/// Patchbay's loop protection for bridges run without kernel STP (see `LoopProtection`): every
/// `interval` it sends a `LoopProbe` out of each port of each guarded bridge, and a probe that
/// comes back in through another port of the same bridge gets one of the two ports disabled
/// (`LoopGuardCore` decides which). New ports forward at once; a loop a guest closes is cut
/// within one interval.
public actor LoopGuard {
    public static let defaultInterval: Duration = .seconds(1)
    public static let defaultRecoveryRounds = 5

    private let control: any BridgePortControlling
    private let bridges: @Sendable () async -> [GuardedBridge]
    private let interval: Duration
    /// The key of the probes' tokens (see `LoopProbe`), drawn at start.
    private let secret: (UInt64, UInt64)
    private let logger: Logger
    private var core: LoopGuardCore
    /// Network names by guarded bridge index, for log messages.
    private var networks: [Int32: String] = [:]

    public init(control: any BridgePortControlling, bridges: @escaping @Sendable () async -> [GuardedBridge],
                interval: Duration = LoopGuard.defaultInterval, recoveryRounds: Int = LoopGuard.defaultRecoveryRounds,
                logger: Logger) {
        self.control = control
        self.bridges = bridges
        self.interval = interval
        self.secret = (UInt64.random(in: 0...UInt64.max), UInt64.random(in: 0...UInt64.max))
        self.logger = logger
        self.core = LoopGuardCore(recoveryRounds: recoveryRounds)
    }

    /// Runs until the task is cancelled.
    public func run() async {
        let (frames, continuation) = AsyncStream<(interfaceIndex: Int32, frame: [UInt8])>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let receiver = ProbeReceiver(control: control, continuation: continuation, logger: logger)
        receiver.start()
        defer { receiver.stop() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await (index, frame) in frames { await self.received(frame, on: index) }
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    await self.round()
                    try? await Task.sleep(for: self.interval)
                }
                continuation.finish()
            }
            await group.waitForAll()
        }
    }

    /// One round: enable ports whose loop is gone, probe every port that may carry traffic.
    func round() async {
        let wanted = await bridges()
        let portsByBridge: [Int32: [BridgePortStatus]]
        do { portsByBridge = try control.portsByBridge() } catch {
            logger.warning("loop guard: cannot list bridge ports", metadata: ["error": "\(error)"])
            return
        }
        var guarded: [Int32: String] = [:]
        for entry in wanted {
            if let index = try? control.bridgeIndex(named: entry.bridge) { guarded[index] = entry.network }
        }
        for bridge in core.guardedBridges where guarded[bridge] == nil { core.forget(bridge: bridge) }
        networks = guarded
        core.startRound()
        for (bridge, _) in guarded.sorted(by: { $0.key < $1.key }) {
            let (actions, probe) = core.beginRound(bridge: bridge, ports: portsByBridge[bridge] ?? [])
            for action in actions { apply(action) }
            for port in probe {
                let frame = LoopProbe(bridgeIndex: bridge, egressIndex: port, token: token(bridge, port)).frame
                do { try control.send(frame: frame, interfaceIndex: port) } catch {
                    logger.debug("loop guard: probe not sent", metadata: ["port": "\(core.portName(bridge: bridge, index: port))",
                                                                          "error": "\(error)"])
                }
            }
        }
    }

    /// A probe frame arrived on `interfaceIndex`: if it is ours and entered its own bridge through
    /// another port than it left by, there is a loop.
    func received(_ frame: [UInt8], on interfaceIndex: Int32) {
        guard let probe = LoopProbe(frame: frame, token: token), probe.bridgeIndex == interfaceIndex,
              networks[interfaceIndex] != nil, core.claimAnswer(bridge: probe.bridgeIndex, egress: probe.egressIndex) else { return }
        let ingress: Int32?
        do { ingress = try control.learnedPort(of: probe.sourceMAC, bridgeIndex: probe.bridgeIndex) } catch {
            logger.debug("loop guard: forwarding database lookup failed", metadata: ["error": "\(error)"])
            return
        }
        if let action = core.probeReturned(bridge: probe.bridgeIndex, egress: probe.egressIndex, ingress: ingress) {
            apply(action)
        }
    }

    /// A keyed hash (SipHash, through the standard library's randomly seeded `Hasher`, with the
    /// daemon's own secret mixed in) of bridge and egress port.
    nonisolated private func token(_ bridge: Int32, _ egress: Int32) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(secret.0)
        hasher.combine(bridge)
        hasher.combine(egress)
        hasher.combine(secret.1)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    private func apply(_ action: LoopGuardCore.Action) {
        switch action {
        case let .disable(bridge, port, partner):
            let name = core.portName(bridge: bridge, index: port)
            let other = core.portName(bridge: bridge, index: partner)
            do {
                try control.setPortState(index: port, .disabled)
                logger.warning("loop detected: frames leaving one port came back through the other; \(name) disabled until the loop is gone",
                               metadata: ["network": "\(networks[bridge] ?? "?")", "ports": "\(other) \(name)"])
            } catch {
                logger.error("loop detected but \(name) could not be disabled",
                             metadata: ["network": "\(networks[bridge] ?? "?")", "ports": "\(other) \(name)", "error": "\(error)"])
            }
        case let .enable(bridge, port):
            let name = core.portName(bridge: bridge, index: port)
            do {
                try control.setPortState(index: port, .forwarding)
                logger.notice("loop gone: \(name) forwards again", metadata: ["network": "\(networks[bridge] ?? "?")"])
            } catch {
                logger.error("\(name) could not be enabled again", metadata: ["network": "\(networks[bridge] ?? "?")", "error": "\(error)"])
            }
        }
    }
}

/// Reads probe frames on a thread of its own: the packet socket's receive blocks (with a short
/// timeout), which must not happen on the concurrency pool.
private final class ProbeReceiver: Sendable {
    private let control: any BridgePortControlling
    private let continuation: AsyncStream<(interfaceIndex: Int32, frame: [UInt8])>.Continuation
    private let logger: Logger
    private let stopped = Atomic(false)

    init(control: any BridgePortControlling, continuation: AsyncStream<(interfaceIndex: Int32, frame: [UInt8])>.Continuation,
         logger: Logger) {
        self.control = control
        self.continuation = continuation
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                do {
                    if let received = try control.receiveProbe() { continuation.yield(received) }
                } catch {
                    logger.error("loop guard: cannot receive probes", metadata: ["error": "\(error)"])
                    Thread.sleep(forTimeInterval: 1)
                }
            }
        }
        thread.name = "patchbay-loop-guard"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}
