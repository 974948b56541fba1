import DHCPServer
import DNSServer
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Synchronization

/// What runs beside each active network: its DNS server, then its DHCP server, which tells the
/// DNS server of every lease it grants or ends so client names resolve at once. All or nothing:
/// when the DHCP server cannot take a new definition, the DNS server goes back to the one it had.
struct DaemonNetworkServices: NetworkServices {
    let dhcp: DHCPServerManager
    let dns: DNSServerManager
    let leases: any LeaseStore
    let events: LeaseEvents

    func start(_ definition: NetworkDefinition) async throws(PatchbayError) {
        let previous = dns.definition(of: definition.name)
        let current = try await leases.leases(network: definition.name)
        try await dns.start(definition, leases: current)
        let dns = self.dns, events = self.events
        do {
            try await dhcp.start(definition) { network, upserts, deletions in
                dns.leasesChanged(network: network, upserts: upserts, deletions: deletions)
                if !upserts.isEmpty { events.notify(network, Set(upserts.map(\.mac))) }
            }
        } catch {
            if let previous {
                try? await dns.start(previous, leases: current)
            } else {
                await dns.stop(definition.name)
            }
            throw error
        }
    }

    func stop(_ network: String) async {
        await dhcp.stop(network)
        await dns.stop(network)
    }

    func stopAll() async {
        await dhcp.stopAll()
        await dns.stopAll()
    }
}

/// Who hears of granted leases besides DNS: set once the engine exists (it is made after the
/// services it uses). Called on the DHCP server's path, so the handler only schedules work.
final class LeaseEvents: Sendable {
    private let handler = Mutex<(@Sendable (String, Set<MACAddress>) -> Void)?>(nil)

    func set(_ body: @escaping @Sendable (String, Set<MACAddress>) -> Void) { handler.withLock { $0 = body } }
    func notify(_ network: String, _ macs: Set<MACAddress>) { handler.withLock { $0 }?(network, macs) }
}
