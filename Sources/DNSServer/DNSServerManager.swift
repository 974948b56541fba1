import Foundation
import Logging
import NIOConcurrencyHelpers
import PatchbayModel

/// All the DNS servers of the daemon, one per active network with DNS enabled. Lease changes
/// arrive from the DHCP servers on their own tasks, so the table is behind a lock rather than
/// an actor: publishing a name must not wait behind a starting network. Starts and stops of one
/// network go one at a time (a per-network lock); a running server whose addresses stay the same
/// takes a new definition in place (a new zone), without rebinding its sockets.
public final class DNSServerManager: Sendable {
    private struct Running: Sendable {
        var service: DNSService
        var definition: NetworkDefinition
        var addresses: [IPAddress]
    }

    private let services = NIOLockedValueBox<[String: Running]>([:])
    private let logger: Logger
    private let resolvConfPath: String
    private let port: Int
    private let budget: DNSConnectionBudget
    private let locks = KeyedLock()
    /// Queries by type and result, per network, for `/metrics`.
    public let statistics = DNSStatistics()

    /// `resolvConfPath` is where the host's resolvers are read, at each network start.
    public init(logger: Logger, resolvConfPath: String = "/etc/resolv.conf", port: Int = 53,
                budget: DNSConnectionBudget = DNSConnectionBudget()) {
        self.logger = logger
        self.resolvConfPath = resolvConfPath
        self.port = port
        self.budget = budget
    }

    /// Starts the server of `definition` with the names of `leases`, or gives the running one the
    /// new definition; stops it when the definition turns DNS off or has no address to serve on.
    public func start(_ definition: NetworkDefinition, leases: [DHCPLease]) async throws(PatchbayError) {
        let name = definition.name
        try await locks.withLock(name) { () async throws(PatchbayError) in
            let addresses = definition.interfaceAddresses.map(\.address)
            guard definition.dns.enable != false, !addresses.isEmpty else {
                await stopLocked(name)
                return
            }
            var zone: DNSZone
            do {
                zone = try DNSZone(network: definition, hostResolvers: hostResolvers())
            } catch {
                throw PatchbayError(.invalidArgument, "network \(definition.name): cannot serve its DNS data", cause: "\(error)")
            }
            for lease in leases { zone.update(lease: lease) }
            if let running = services.withLockedValue({ $0[name] }), running.addresses == addresses {
                running.service.replaceZone(zone)
                services.withLockedValue { $0[name]?.definition = definition }
                return
            }
            await stopLocked(name)
            do throws(DNSServiceError) {
                let service = try await DNSService.start(network: name, zone: zone, addresses: addresses, port: port, budget: budget,
                                                         statistics: statistics, logger: logger)
                services.withLockedValue { $0[name] = Running(service: service, definition: definition, addresses: addresses) }
            } catch {
                throw PatchbayError(.kernel, "cannot start the DNS server of network \(name)", cause: error.description)
            }
        }
    }

    /// The definition the running server of `network` serves, nil when none runs.
    public func definition(of network: String) -> NetworkDefinition? {
        services.withLockedValue { $0[network]?.definition }
    }

    public func stop(_ network: String) async {
        await locks.withLock(network) { () async in await stopLocked(network) }
    }

    private func stopLocked(_ network: String) async {
        let running = services.withLockedValue { $0.removeValue(forKey: network) }
        if let running {
            await running.service.stop()
            logger.info("DNS server stopped", metadata: ["network": "\(network)"])
        }
    }

    public func stopAll() async {
        for name in services.withLockedValue({ Array($0.keys) }) { await stop(name) }
    }

    public func leasesChanged(network: String, upserts: [DHCPLease], deletions: [IPv4Address]) {
        services.withLockedValue { $0[network] }?.service.leasesChanged(upserts: upserts, deletions: deletions)
    }

    private func hostResolvers() -> [DNSUpstream] {
        guard let text = try? String(contentsOfFile: resolvConfPath, encoding: .utf8) else {
            logger.warning("cannot read \(resolvConfPath); names not known locally will get SERVFAIL")
            return []
        }
        return ResolvConf.nameservers(in: text)
    }
}
