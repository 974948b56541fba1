/// A port forward of a NAT network (`patchbay net-forward-add`): connections to the host's
/// addresses on `hostPorts` go to a guest. Stored with the network, applied while it runs.
public struct PortForward: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum TransportProtocol: String, Sendable, Hashable, Codable, CaseIterable {
        case tcp, udp
    }

    public var network: String
    public var transport: TransportProtocol
    /// The first and last host port (equal for a single port).
    public var hostPortStart: UInt16
    public var hostPortEnd: UInt16
    public var guestAddress: IPv4Address
    /// The guest's port for a single host port; nil keeps the port the connection came to.
    public var guestPort: UInt16?

    public init(network: String, transport: TransportProtocol, hostPortStart: UInt16, hostPortEnd: UInt16,
                guestAddress: IPv4Address, guestPort: UInt16?) {
        self.network = network
        self.transport = transport
        self.hostPortStart = hostPortStart
        self.hostPortEnd = hostPortEnd
        self.guestAddress = guestAddress
        self.guestPort = guestPort
    }

    public var hostPorts: String { hostPortStart == hostPortEnd ? "\(hostPortStart)" : "\(hostPortStart)-\(hostPortEnd)" }
    public var destination: String { guestPort.map { "\(guestAddress):\($0)" } ?? guestAddress.description }
    public var description: String { "\(transport.rawValue) \(hostPorts) → \(destination)" }

    /// Whether the two forwards claim a common host port of the same protocol.
    public func overlaps(_ other: PortForward) -> Bool {
        transport == other.transport && hostPortStart <= other.hostPortEnd && other.hostPortStart <= hostPortEnd
    }
}
