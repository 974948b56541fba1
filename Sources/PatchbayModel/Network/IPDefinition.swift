/// `<ip>`: an address of the bridge, and the DHCP and TFTP service on its subnet.
public struct IPDefinition: Sendable, Hashable, Codable {
    /// As written ("ipv4", "ipv6"); libvirt writes it back only when it was given.
    public var family: String?
    public var address: IPAddress
    public var netmask: IPv4Address?
    /// As written; libvirt writes `prefix` back only when it is above 0.
    public var prefix: Int?
    public var localPtr: Bool?
    public var tftpRoot: String?
    public var dhcp: DHCPDefinition = DHCPDefinition()

    public init(address: IPAddress, family: String? = nil, netmask: IPv4Address? = nil, prefix: Int? = nil) {
        self.address = address
        self.family = family
        self.netmask = netmask
        self.prefix = prefix
    }

    /// libvirt's virSocketAddrGetIPPrefix: prefix if above 0, else the netmask's, else the
    /// classful default for IPv4 (0 for 0.0.0.0, nil for class D/E) and 64 for IPv6.
    public var prefixLength: Int? {
        if let prefix, prefix > 0 { return prefix }
        if let netmask { return netmask.netmaskPrefixLength }
        switch address {
        case .v4(let v4):
            if v4.value == 0 { return 0 }
            let octet = v4.value >> 24
            if octet & 0x80 == 0 { return 8 }
            if octet & 0xC0 == 0x80 { return 16 }
            if octet & 0xE0 == 0xC0 { return 24 }
            return nil
        case .v6(let v6):
            return v6.bytes.allSatisfy { $0 == 0 } ? 0 : 64
        }
    }

    public var interfaceAddress: InterfaceAddress? {
        prefixLength.flatMap { InterfaceAddress(address: address, prefixLength: $0) }
    }

    public var isIPv4: Bool { address.isIPv4 }
}

/// `<dhcp>`: address pools, reservations and network boot.
public struct DHCPDefinition: Sendable, Hashable, Codable {
    public var ranges: [DHCPRange] = []
    public var hosts: [DHCPHost] = []
    public var bootp: BootpDefinition?

    public init() {}

    /// libvirt writes `<dhcp>` only when it has ranges or hosts.
    public var isEnabled: Bool { !ranges.isEmpty || !hosts.isEmpty }
}

public struct DHCPRange: Sendable, Hashable, Codable {
    public var start: IPAddress
    public var end: IPAddress
    public var lease: LeaseTime?

    public init(start: IPAddress, end: IPAddress, lease: LeaseTime? = nil) {
        self.start = start
        self.end = end
        self.lease = lease
    }
}

/// A reservation: by MAC (IPv4), by DUID `id` (IPv6) or by name.
public struct DHCPHost: Sendable, Hashable, Codable {
    public var mac: MACAddress?
    public var id: String?
    public var name: String?
    public var ip: IPAddress?
    public var lease: LeaseTime?

    public init(mac: MACAddress? = nil, id: String? = nil, name: String? = nil, ip: IPAddress? = nil, lease: LeaseTime? = nil) {
        self.mac = mac
        self.id = id
        self.name = name
        self.ip = ip
        self.lease = lease
    }
}

/// `<lease expiry unit>`; an expiry of 0 means infinite.
public struct LeaseTime: Sendable, Hashable, Codable {
    public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
        case seconds, minutes, hours

        public var seconds: UInt64 {
            switch self {
            case .seconds: 1
            case .minutes: 60
            case .hours: 3600
            }
        }
    }

    public var expiry: UInt64
    public var unit: Unit

    public init(expiry: UInt64, unit: Unit = .minutes) {
        self.expiry = expiry
        self.unit = unit
    }

    public var isInfinite: Bool { expiry == 0 }

    /// The lease time in seconds, nil for infinite.
    public var seconds: UInt64? {
        isInfinite ? nil : expiry.multipliedReportingOverflow(by: unit.seconds).partialValue
    }
}

public struct BootpDefinition: Sendable, Hashable, Codable {
    public var file: String
    public var server: IPAddress?

    public init(file: String, server: IPAddress? = nil) {
        self.file = file
        self.server = server
    }
}

/// `<route>`: a static route through a gateway on the network.
public struct RouteDefinition: Sendable, Hashable, Codable {
    public var family: String?
    public var address: IPAddress
    public var netmask: IPv4Address?
    public var prefix: Int?
    public var gateway: IPAddress
    public var metric: UInt32?

    public init(address: IPAddress, gateway: IPAddress, family: String? = nil, netmask: IPv4Address? = nil,
                prefix: Int? = nil, metric: UInt32? = nil) {
        self.address = address
        self.gateway = gateway
        self.family = family
        self.netmask = netmask
        self.prefix = prefix
        self.metric = metric
    }

    public var prefixLength: Int {
        if let netmask { return netmask.netmaskPrefixLength ?? 0 }
        return prefix ?? 0
    }
}
