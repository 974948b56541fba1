import DHCPWire
import PatchbayModel

/// Where a reply goes, by RFC 2131 §4.1's rules (relay, NAK broadcast, ciaddr unicast, broadcast
/// flag, else layer-2 unicast to chaddr).
public enum DHCPReplyDestination: Sendable, Hashable {
    /// To the relay agent at giaddr, server port 67.
    case relay(IPv4Address)
    /// To 255.255.255.255:68 on the network's bridge.
    case broadcast
    /// To ciaddr:68 through normal routing (the client has its address configured).
    case unicast(IPv4Address)
    /// To yiaddr:68, delivered to chaddr before the client has its address: the server installs
    /// a neighbour entry so no ARP is needed (RFC 2131 §4.1, "MAY ... unicast to chaddr").
    case hardware(IPv4Address, MACAddress)
}

/// One lease event, as `patchbay event` reports it.
public enum DHCPLeaseChange: Sendable, Hashable {
    case granted(DHCPLease)
    case renewed(DHCPLease)
    case released(DHCPLease)
    case declined(IPv4Address, MACAddress?)
    case expired(DHCPLease)
}

/// The server's answer to one request: the reply (if any) and the lease changes to make durable
/// before the reply is sent.
public struct DHCPOutcome: Sendable {
    public var reply: DHCPMessage?
    public var destination: DHCPReplyDestination?
    public var upserts: [DHCPLease] = []
    public var deletions: [IPv4Address] = []
    /// What the lease changes mean, for the event stream: a grant and a renewal both upsert.
    public var changes: [DHCPLeaseChange] = []
    /// Why a request got nothing, for the counters: no-address, limit.
    public var refusal: String?
    /// When the request arrived, for the reply latency histogram.
    var received: ContinuousClock.Instant?
    /// A line for the log: what was asked and what was decided. Written only when it is read
    /// (the debug log): formatting MAC and IP addresses for every request was a tenth of the
    /// server's time at 5,000 leases a second.
    public var summary: String {
        get { describe() }
        set { describe = { newValue } }
    }
    private var describe: @Sendable () -> String

    public init(reply: DHCPMessage?, destination: DHCPReplyDestination?, upserts: [DHCPLease] = [], deletions: [IPv4Address] = [],
                summary: @autoclosure @escaping @Sendable () -> String) {
        self.reply = reply
        self.destination = destination
        self.upserts = upserts
        self.deletions = deletions
        describe = summary
    }

    static func ignore(_ why: @autoclosure @escaping @Sendable () -> String) -> DHCPOutcome {
        DHCPOutcome(reply: nil, destination: nil, summary: why())
    }
}
