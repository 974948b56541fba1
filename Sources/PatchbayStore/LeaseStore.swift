import PatchbayModel
import Synchronization

/// Where DHCP leases live. A lease is written before the ACK that grants it is sent, so a daemon
/// crash can never hand the same address to two clients.
public protocol LeaseStore: Sendable {
    func leases(network: String) throws(PatchbayError) -> [DHCPLease]
    /// Inserts or replaces leases (keyed by network and IP) and removes others, in one
    /// transaction: the server batches the changes of many clients into one commit.
    func apply(upserts: [DHCPLease], deletions: [(network: String, ip: IPv4Address)]) throws(PatchbayError)
    func deleteAll(network: String) throws(PatchbayError)
}

/// Leases in memory, for unit tests of the server core.
public final class InMemoryLeaseStore: LeaseStore {
    private let state = Mutex<[String: [IPv4Address: DHCPLease]]>([:])

    public init() {}

    public func leases(network: String) -> [DHCPLease] {
        state.withLock { ($0[network] ?? [:]).values.sorted { $0.ip < $1.ip } }
    }

    public func apply(upserts: [DHCPLease], deletions: [(network: String, ip: IPv4Address)]) {
        state.withLock { all in
            for deletion in deletions { all[deletion.network]?[deletion.ip] = nil }
            for lease in upserts { all[lease.network, default: [:]][lease.ip] = lease }
        }
    }

    public func deleteAll(network: String) {
        _ = state.withLock { $0.removeValue(forKey: network) }
    }
}
