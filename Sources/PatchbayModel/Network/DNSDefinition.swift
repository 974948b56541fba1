/// `<dns>`: what the network's DNS server answers itself and where it forwards the rest.
public struct DNSDefinition: Sendable, Hashable, Codable {
    public var enable: Bool?
    public var forwardPlainNames: Bool?
    public var forwarders: [DNSForwarder] = []
    public var txts: [DNSTXTRecord] = []
    public var srvs: [DNSSRVRecord] = []
    public var hosts: [DNSHostRecord] = []

    public init() {}

    public var isEmpty: Bool {
        enable == nil && forwardPlainNames == nil && forwarders.isEmpty && txts.isEmpty && srvs.isEmpty && hosts.isEmpty
    }

    public var hasRecords: Bool { !forwarders.isEmpty || !txts.isEmpty || !srvs.isEmpty || !hosts.isEmpty }
}

/// `<forwarder domain? addr?>`: an upstream server, for every name or only for `domain`; with a
/// domain and no address, names in that domain are answered locally only.
public struct DNSForwarder: Sendable, Hashable, Codable {
    public var domain: String?
    public var address: IPAddress?

    public init(domain: String? = nil, address: IPAddress? = nil) {
        self.domain = domain
        self.address = address
    }
}

public struct DNSTXTRecord: Sendable, Hashable, Codable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

public struct DNSSRVRecord: Sendable, Hashable, Codable {
    public var service: String
    public var protocolName: String
    public var domain: String?
    public var target: String?
    public var port: UInt16?
    public var priority: UInt16?
    public var weight: UInt16?

    public init(service: String, protocolName: String, domain: String? = nil, target: String? = nil,
                port: UInt16? = nil, priority: UInt16? = nil, weight: UInt16? = nil) {
        self.service = service
        self.protocolName = protocolName
        self.domain = domain
        self.target = target
        self.port = port
        self.priority = priority
        self.weight = weight
    }
}

public struct DNSHostRecord: Sendable, Hashable, Codable {
    public var ip: IPAddress
    public var hostnames: [String]

    public init(ip: IPAddress, hostnames: [String]) {
        self.ip = ip
        self.hostnames = hostnames
    }
}
