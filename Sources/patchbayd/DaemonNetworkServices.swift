import DHCPServer
import DNSServer
import PatchbayEngine
import PatchbayModel
import PatchbayStore

/// What runs beside each active network: its DNS server, then its DHCP server, which tells the
/// DNS server of every lease it grants or ends so client names resolve at once.
struct DaemonNetworkServices: NetworkServices {
    let dhcp: DHCPServerManager
    let dns: DNSServerManager
    let leases: any LeaseStore

    func start(_ definition: NetworkDefinition) async throws(PatchbayError) {
        try await dns.start(definition, leases: try leases.leases(network: definition.name))
        let dns = self.dns
        do {
            try await dhcp.start(definition) { network, upserts, deletions in
                dns.leasesChanged(network: network, upserts: upserts, deletions: deletions)
            }
        } catch {
            await dns.stop(definition.name)
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
