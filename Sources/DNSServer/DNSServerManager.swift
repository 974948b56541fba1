import Foundation
import Logging
import NIOConcurrencyHelpers
import PatchbayModel

/// All the DNS servers of the daemon, one per active network with DNS enabled. Lease changes
/// arrive from the DHCP servers on their own tasks, so the table is behind a lock rather than
/// an actor: publishing a name must not wait behind a starting network.
public final class DNSServerManager: Sendable {
    private let services = NIOLockedValueBox<[String: DNSService]>([:])
    private let logger: Logger
    private let resolvConfPath: String
    private let port: Int

    /// `resolvConfPath` is where the host's resolvers are read, at each network start.
    public init(logger: Logger, resolvConfPath: String = "/etc/resolv.conf", port: Int = 53) {
        self.logger = logger
        self.resolvConfPath = resolvConfPath
        self.port = port
    }

    /// Starts (or restarts) the server of `definition` with the names of `leases`; stops it when
    /// the definition turns DNS off or has no address to serve on.
    public func start(_ definition: NetworkDefinition, leases: [DHCPLease]) async throws(PatchbayError) {
        await stop(definition.name)
        let addresses = definition.interfaceAddresses.map(\.address)
        guard definition.dns.enable != false, !addresses.isEmpty else { return }
        var zone: DNSZone
        do {
            zone = try DNSZone(network: definition, hostResolvers: hostResolvers())
        } catch {
            throw PatchbayError(.invalidArgument, "network \(definition.name): cannot serve its DNS data", cause: error.description)
        }
        for lease in leases { zone.update(lease: lease) }
        do {
            let service = try await DNSService.start(network: definition.name, zone: zone, addresses: addresses,
                                                     port: port, logger: logger)
            services.withLockedValue { $0[definition.name] = service }
        } catch {
            throw PatchbayError(.kernel, "cannot start the DNS server of network \(definition.name)", cause: error.description)
        }
    }

    public func stop(_ network: String) async {
        let service = services.withLockedValue { $0.removeValue(forKey: network) }
        if let service {
            await service.stop()
            logger.info("DNS server stopped", metadata: ["network": "\(network)"])
        }
    }

    public func stopAll() async {
        for name in services.withLockedValue({ Array($0.keys) }) { await stop(name) }
    }

    public func leasesChanged(network: String, upserts: [DHCPLease], deletions: [IPv4Address]) {
        services.withLockedValue { $0[network] }?.leasesChanged(upserts: upserts, deletions: deletions)
    }

    private func hostResolvers() -> [DNSUpstream] {
        guard let text = try? String(contentsOfFile: resolvConfPath, encoding: .utf8) else {
            logger.warning("cannot read \(resolvConfPath); names not known locally will get SERVFAIL")
            return []
        }
        return ResolvConf.nameservers(in: text)
    }
}
