import PatchbayModel

/// A server that queries are forwarded to: an address from a `<forwarder addr>` or from the
/// host's resolv.conf, on port 53 unless given.
public struct DNSUpstream: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var port: Int

    public init(address: IPAddress, port: Int = 53) {
        self.address = address
        self.port = port
    }

    public var description: String { address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)" }
}
