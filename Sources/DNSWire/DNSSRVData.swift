/// SRV RDATA (RFC 2782): where a service runs, as "_ldap._tcp.example.com" asks.
public struct DNSSRVData: Sendable, Hashable {
    /// RFC 2782 Priority: lower is tried first.
    public var priority: UInt16
    /// RFC 2782 Weight: share among targets of equal priority.
    public var weight: UInt16
    /// RFC 2782 Port.
    public var port: UInt16
    /// RFC 2782 Target: the host; never compressed when written (RFC 2782 forbids it), though
    /// read compressed too, as RFC 3597 §4 advises.
    public var target: DNSName

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}
