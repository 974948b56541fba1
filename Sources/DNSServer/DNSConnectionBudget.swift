import NIOConcurrencyHelpers
import PatchbayModel

/// How many DNS-over-TCP connections may be open at once: in total, per network and per client
/// address. Each costs a descriptor, and a guest that opens connections and holds them (or
/// trickles a byte at a time) must not use up the daemon's descriptors, which the API socket,
/// TAP devices and the store need too. A connection past a limit is closed at once; UDP is not
/// affected.
public final class DNSConnectionBudget: Sendable {
    public struct Limits: Sendable, Hashable {
        public var total: Int
        public var perNetwork: Int
        public var perClient: Int
        /// No connection lives longer than this, however busy (slow-loris protection: the idle
        /// timeout alone is reset by every byte).
        public var lifetimeSeconds: Int64

        public init(total: Int = 512, perNetwork: Int = 128, perClient: Int = 16, lifetimeSeconds: Int64 = 30) {
            self.total = total
            self.perNetwork = perNetwork
            self.perClient = perClient
            self.lifetimeSeconds = lifetimeSeconds
        }
    }

    private struct Counts {
        var total = 0
        var networks: [String: Int] = [:]
        var clients: [String: [IPAddress: Int]] = [:]
    }

    public let limits: Limits
    private let counts = NIOLockedValueBox(Counts())

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Takes a place for a connection of `client` to `network`'s server; false when a limit is
    /// reached.
    func acquire(network: String, client: IPAddress) -> Bool {
        counts.withLockedValue { counts in
            guard counts.total < limits.total, counts.networks[network, default: 0] < limits.perNetwork,
                  counts.clients[network]?[client, default: 0] ?? 0 < limits.perClient else { return false }
            counts.total += 1
            counts.networks[network, default: 0] += 1
            counts.clients[network, default: [:]][client, default: 0] += 1
            return true
        }
    }

    func release(network: String, client: IPAddress) {
        counts.withLockedValue { counts in
            counts.total -= 1
            counts.networks[network, default: 1] -= 1
            if counts.networks[network] == 0 { counts.networks[network] = nil }
            counts.clients[network]?[client, default: 1] -= 1
            if counts.clients[network]?[client] == 0 { counts.clients[network]?[client] = nil }
        }
    }

    /// Connections open now, for tests and logs.
    public var open: Int { counts.withLockedValue { $0.total } }
}
