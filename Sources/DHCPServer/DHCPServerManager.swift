import Logging
import Netlink
import PatchbayModel
import PatchbayStore

/// All the DHCP servers of the daemon, one per active network that has DHCP.
public actor DHCPServerManager {
    private var services: [String: DHCPService] = [:]
    private let store: any LeaseStore
    private let neighbors: NetlinkSession?
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let maxClientsPerPort: Int

    /// `maxClientsPerPort`: how many clients one bridge port (or relay) may hold addresses for;
    /// 0 for no limit.
    public init(store: any LeaseStore, neighbors: NetlinkSession?, logger: Logger, now: @escaping @Sendable () -> Int64,
                maxClientsPerPort: Int = DHCPServerManager.defaultMaxClientsPerPort) {
        self.maxClientsPerPort = maxClientsPerPort
        self.store = store
        self.neighbors = neighbors
        self.logger = logger
        self.now = now
    }

    /// Starts (or restarts with a new configuration) the server of `definition`; stops it when
    /// the definition no longer has IPv4 DHCP.
    /// Enough for a guest running a few containers or nested VMs with MAC addresses of their
    /// own, and few enough that eight flooding guests cannot empty a default /24.
    public static let defaultMaxClientsPerPort = 32

    public func start(_ definition: NetworkDefinition, observer: DHCPLeaseObserver? = nil) async throws(PatchbayError) {
        if let running = services.removeValue(forKey: definition.name) { await running.stop() }
        guard let pool = DHCPPool(network: definition) else { return }
        let service = try DHCPService(pool: pool, store: store, neighbors: neighbors, logger: logger, now: now,
                                      observer: observer, maxClientsPerPort: maxClientsPerPort)
        try await service.start()
        services[definition.name] = service
    }

    public func stop(_ network: String) async {
        if let service = services.removeValue(forKey: network) { await service.stop() }
    }

    public func stopAll() async {
        for name in services.keys { await stop(name) }
    }

    public func isRunning(_ network: String) -> Bool { services[network] != nil }
}
