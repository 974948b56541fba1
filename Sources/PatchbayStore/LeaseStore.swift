import PatchbayModel

/// Where DHCP leases live. A lease is written before the ACK that grants it is sent, so a daemon
/// crash can never hand the same address to two clients.
public protocol LeaseStore: Sendable {
    func leases(network: String) async throws(PatchbayError) -> [DHCPLease]
    /// Inserts or replaces leases (keyed by network and IP) and removes others, in one
    /// transaction: the server batches the changes of many clients into one commit.
    func apply(upserts: [DHCPLease], deletions: [LeaseKey]) async throws(PatchbayError)
}

/// A lease's key in the store.
public struct LeaseKey: Sendable, Hashable {
    public var network: String
    public var ip: IPv4Address
    public init(network: String, ip: IPv4Address) {
        self.network = network
        self.ip = ip
    }
}
