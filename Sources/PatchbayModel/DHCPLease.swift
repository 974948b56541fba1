/// A DHCPv4 lease as the server grants it and the store keeps it.
public struct DHCPLease: Sendable, Hashable, Codable {
    public var network: String
    public var mac: MACAddress
    public var ip: IPv4Address
    /// Option 61 as sent, if the client sent one; leases are matched on it first (RFC 2132 §9.14).
    public var clientID: [UInt8]?
    public var hostname: String?
    /// Seconds since 1970; nil for an infinite lease.
    public var expiresAt: Int64?
    /// Where the client's request came from when the lease was granted: only a DECLINE or RELEASE
    /// from there counts (nil for leases stored before origins were kept).
    public var origin: DHCPOrigin?

    public init(network: String, mac: MACAddress, ip: IPv4Address, clientID: [UInt8]? = nil, hostname: String? = nil, expiresAt: Int64?,
                origin: DHCPOrigin? = nil) {
        self.network = network
        self.mac = mac
        self.ip = ip
        self.clientID = clientID
        self.hostname = hostname
        self.expiresAt = expiresAt
        self.origin = origin
    }

    public func isExpired(at now: Int64) -> Bool { expiresAt.map { $0 <= now } ?? false }

    /// The client ID as virsh prints it: colon-separated hex.
    public var clientIDText: String? {
        clientID.map { $0.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: ":") }
    }
}

/// What `net-dhcp-leases` shows for one lease (virsh's columns), and its `--json` form.
public struct DHCPLeaseInfo: Sendable, Hashable, Codable {
    public var expiryTime: Int64?
    public var mac: String
    public var protocolName: String
    public var ipAddress: String
    public var prefix: Int
    public var hostname: String?
    public var clientID: String?

    public init(expiryTime: Int64?, mac: String, protocolName: String, ipAddress: String, prefix: Int, hostname: String?, clientID: String?) {
        self.expiryTime = expiryTime
        self.mac = mac
        self.protocolName = protocolName
        self.ipAddress = ipAddress
        self.prefix = prefix
        self.hostname = hostname
        self.clientID = clientID
    }

    enum CodingKeys: String, CodingKey {
        case expiryTime, mac, protocolName = "protocol", ipAddress, prefix, hostname, clientID
    }
}

/// Where a DHCP client sits: the bridge port its request came in on (the real ingress, read at
/// layer 2, not what the packet claims), or a configured relay agent that forwarded it together
/// with the port the relayed request came in on: a guest that writes a trusted relay's address
/// into giaddr is a relay of its own port, and shares nothing with the real one.
public enum DHCPOrigin: Sendable, Hashable, Codable, CustomStringConvertible {
    case port(Int32)
    case relay(IPv4Address, port: Int32)

    public var description: String {
        switch self {
        case .port(let index): "bridge port \(index)"
        case .relay(let address, let port): "relay \(address) on bridge port \(port)"
        }
    }

    /// The bridge port the request came in on.
    public var port: Int32 {
        switch self {
        case .port(let index): index
        case .relay(_, let port): port
        }
    }

    /// The form the store keeps: `port:12`, `relay:10.0.0.1@12`.
    public var storedForm: String {
        switch self {
        case .port(let index): "port:\(index)"
        case .relay(let address, let port): "relay:\(address)@\(port)"
        }
    }

    public init?(storedForm text: String) {
        if text.hasPrefix("port:"), let index = Int32(text.dropFirst(5)) {
            self = .port(index)
        } else if text.hasPrefix("relay:") {
            let parts = text.dropFirst(6).split(separator: "@")
            guard parts.count == 2, let address = IPv4Address(String(parts[0])), let port = Int32(parts[1]) else { return nil }
            self = .relay(address, port: port)
        } else {
            return nil
        }
    }
}
