import Logging
import PatchbayModel
import PatchbayStore
import Synchronization

/// All the DHCP servers of the daemon, one per active network that has DHCP. Each network's
/// server is a small state machine driven one operation at a time (a per-network lock): started,
/// reconfigured in place when its bridge stays the same, stopped (which waits for its last
/// commit) before another one starts. Two starts for one network can never leave two servers
/// answering on one bridge.
public final class DHCPServerManager: Sendable {
    private let services = Mutex<[String: DHCPService]>([:])
    private let store: any LeaseStore
    private let ingress: DHCPIngress
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let maxClientsPerPort: Int
    private let trustedRelays: Set<IPv4Address>
    private let locks = KeyedLock()
    /// The servers' counters, per network, for `/metrics`.
    public let statistics = DHCPStatistics()

    /// Enough for a guest running a few containers or nested VMs with MAC addresses of their
    /// own, and few enough that eight flooding guests cannot empty a default /24.
    public static let defaultMaxClientsPerPort = 32

    /// `maxClientsPerPort`: how many clients one bridge port (or relay) may hold addresses for;
    /// 0 for no limit. `trustedRelays`: the relay agents (giaddr) whose requests are answered.
    public init(store: any LeaseStore, ingress: DHCPIngress, logger: Logger, now: @escaping @Sendable () -> Int64,
                maxClientsPerPort: Int = DHCPServerManager.defaultMaxClientsPerPort, trustedRelays: Set<IPv4Address> = []) {
        self.maxClientsPerPort = maxClientsPerPort
        self.store = store
        self.ingress = ingress
        self.logger = logger
        self.now = now
        self.trustedRelays = trustedRelays
    }

    /// Starts the server of `definition`, or brings the running one to it; stops it when the
    /// definition no longer has IPv4 DHCP.
    public func start(_ definition: NetworkDefinition, observer: DHCPLeaseObserver? = nil) async throws(PatchbayError) {
        let name = definition.name
        try await locks.withLock(name) { () async throws(PatchbayError) in
            guard let pool = DHCPPool(network: definition) else {
                await stopLocked(name)
                return
            }
            if let running = services.withLock({ $0[name] }), await running.pool.interface == pool.interface {
                await running.reconfigure(pool)
                return
            }
            await stopLocked(name)
            let service = try await DHCPService.start(pool: pool, store: store, ingress: ingress, logger: logger, now: now,
                                                      observer: observer, maxClientsPerPort: maxClientsPerPort,
                                                      trustedRelays: trustedRelays, statistics: statistics)
            services.withLock { $0[name] = service }
        }
    }

    public func stop(_ network: String) async {
        await locks.withLock(network) { () async in await stopLocked(network) }
    }

    private func stopLocked(_ network: String) async {
        if let service = services.withLock({ $0.removeValue(forKey: network) }) { await service.stop() }
    }

    public func stopAll() async {
        for name in services.withLock({ Array($0.keys) }) { await stop(name) }
    }

    public func isRunning(_ network: String) -> Bool { services.withLock { $0[network] != nil } }

    /// The pool the running server of `network` answers with, nil when none runs.
    public func pool(of network: String) async -> DHCPPool? { await services.withLock({ $0[network] })?.pool }
}
