import PatchbayModel

/// Everything the server needs to know about one network's IPv4 DHCP service, derived from the
/// network's `<ip>` with `<dhcp>` (and the network-wide `<domain>`, `<dns>`, `<mtu>`).
public struct DHCPPool: Sendable, Hashable {
    public struct Range: Sendable, Hashable {
        public var first: IPv4Address
        public var last: IPv4Address
        /// nil: the default lease time; 0: infinite.
        public var leaseSeconds: UInt64?

        public init(first: IPv4Address, last: IPv4Address, leaseSeconds: UInt64? = nil) {
            self.first = first
            self.last = last
            self.leaseSeconds = leaseSeconds
        }
    }

    public struct Reservation: Sendable, Hashable {
        public var mac: MACAddress?
        public var name: String?
        public var ip: IPv4Address
        public var leaseSeconds: UInt64?
    }

    public var network: String
    public var interface: String
    public var serverAddress: IPv4Address
    public var prefixLength: Int
    public var ranges: [Range]
    public var reservations: [Reservation]
    /// dnsmasq's default, which libvirt networks have always had.
    public var defaultLeaseSeconds: UInt64 = 3600
    /// Option 3. libvirt gives isolated networks no router, so guests keep their own default route.
    public var router: IPv4Address?
    /// Option 6: this server, unless `<dns enable='no'>`.
    public var dnsServers: [IPv4Address]
    public var domain: String?
    public var mtu: UInt32?
    public var bootFile: String?
    public var bootServer: IPv4Address?
    /// Static routes from `<route>` whose gateway is on this subnet (option 121).
    public var staticRoutes: [(destination: IPv4Address, prefixLength: Int, router: IPv4Address)] = []

    public static func == (lhs: DHCPPool, rhs: DHCPPool) -> Bool {
        lhs.network == rhs.network && lhs.interface == rhs.interface && lhs.serverAddress == rhs.serverAddress
            && lhs.prefixLength == rhs.prefixLength && lhs.ranges == rhs.ranges && lhs.reservations == rhs.reservations
            && lhs.router == rhs.router && lhs.dnsServers == rhs.dnsServers && lhs.domain == rhs.domain && lhs.mtu == rhs.mtu
            && lhs.bootFile == rhs.bootFile && lhs.bootServer == rhs.bootServer
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(network)
        hasher.combine(serverAddress)
    }

    public var subnetMask: IPv4Address { IPv4Address.netmask(prefixLength: prefixLength) }
    public var broadcast: IPv4Address { IPv4Address(serverAddress.value | ~subnetMask.value) }

    public func contains(_ address: IPv4Address) -> Bool {
        address.value & subnetMask.value == serverAddress.value & subnetMask.value
    }

    /// The pool of the network's first IPv4 `<ip>` that has DHCP, or nil when it has none.
    public init?(network definition: NetworkDefinition) {
        guard let name = definition.bridge.name,
              let ip = definition.ips.first(where: { $0.isIPv4 && $0.dhcp.isEnabled }),
              case .v4(let server) = ip.address, let prefix = ip.prefixLength else { return nil }
        network = definition.name
        interface = name
        serverAddress = server
        prefixLength = prefix
        ranges = ip.dhcp.ranges.compactMap { range in
            guard case .v4(let first) = range.start, case .v4(let last) = range.end else { return nil }
            return Range(first: first, last: last, leaseSeconds: range.lease.map { $0.seconds ?? 0 })
        }
        reservations = ip.dhcp.hosts.compactMap { host in
            guard case .v4(let address)? = host.ip else { return nil }
            return Reservation(mac: host.mac, name: host.name, ip: address, leaseSeconds: host.lease.map { $0.seconds ?? 0 })
        }
        router = definition.forward.mode == .none ? nil : server
        dnsServers = definition.dns.enable == false ? [] : [server]
        domain = definition.domain?.name
        mtu = definition.mtu
        bootFile = ip.dhcp.bootp?.file
        if case .v4(let bootServer)? = ip.dhcp.bootp?.server { self.bootServer = bootServer }
        staticRoutes = definition.routes.compactMap { route in
            guard case .v4(let destination) = route.address, case .v4(let gateway) = route.gateway,
                  gateway.value & IPv4Address.netmask(prefixLength: prefix).value == server.value & IPv4Address.netmask(prefixLength: prefix).value
            else { return nil }
            return (destination, route.prefixLength, gateway)
        }
    }
}
