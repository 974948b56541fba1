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
    let notices: LeaseNoticeQueue

    func start(_ definition: NetworkDefinition) async throws(PatchbayError) {
        let previous = dns.definition(of: definition.name)
        let current = try await leases.leases(network: definition.name)
        try await dns.start(definition, leases: current)
        let dns = self.dns, events = self.events, notices = self.notices
        do {
            try await dhcp.start(definition) { network, upserts, deletions, changes in
                dns.leasesChanged(network: network, upserts: upserts, deletions: deletions)
                if !upserts.isEmpty { events.notify(network, Set(upserts.map(\.mac))) }
                notices.enqueue(network, changes.map(LeaseNotice.init))
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

/// Lease events on their way to the event stream, in the order the DHCP server committed them:
/// the server's path only enqueues, one task publishes. Bounded, so it may drop the oldest under
/// a burst: that is why the nwfilter's lease switch keeps `LeaseEvents`, which never drops (a
/// lost grant would leave a port on its DHCP-only rules).
final class LeaseNoticeQueue: Sendable {
    private let stream: AsyncStream<(String, [LeaseNotice])>
    private let continuation: AsyncStream<(String, [LeaseNotice])>.Continuation

    init() {
        // Bounded: a burst the stream cannot keep up with loses its oldest lease events, never
        // holds the DHCP server up.
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
    }

    func enqueue(_ network: String, _ notices: [LeaseNotice]) {
        guard !notices.isEmpty else { return }
        continuation.yield((network, notices))
    }

    func start(_ publish: @escaping @Sendable (String, [LeaseNotice]) async -> Void) {
        let stream = self.stream
        Task {
            for await (network, notices) in stream { await publish(network, notices) }
        }
    }
}

extension LeaseNotice {
    init(_ change: DHCPLeaseChange) {
        switch change {
        case .granted(let lease): self.init(type: .leaseGranted, mac: lease.mac, ip: lease.ip.description, hostname: lease.hostname)
        case .renewed(let lease): self.init(type: .leaseRenewed, mac: lease.mac, ip: lease.ip.description, hostname: lease.hostname)
        case .released(let lease): self.init(type: .leaseReleased, mac: lease.mac, ip: lease.ip.description, hostname: lease.hostname)
        case .declined(let ip, let mac): self.init(type: .leaseDeclined, mac: mac, ip: ip.description)
        case .expired(let lease): self.init(type: .leaseExpired, mac: lease.mac, ip: lease.ip.description, hostname: lease.hostname)
        }
    }
}
