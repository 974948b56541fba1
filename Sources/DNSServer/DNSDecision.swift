import DNSWire

/// What the server does with one query.
public enum DNSDecision: Sendable, Equatable {
    /// Answer at once with this message (local data, or an error such as NXDOMAIN or REFUSED).
    case answer(DNSMessage)
    /// Ask these servers, in order, and pass their reply back.
    case forward([DNSUpstream])
    /// Say nothing: the packet is not a query (a response, or unreadable past its header).
    case drop
}
