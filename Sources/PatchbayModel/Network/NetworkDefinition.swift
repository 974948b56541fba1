/// A libvirt `<network>` definition, every element of the schema (formatnetwork.html). Optional
/// values are nil when the XML leaves them out, because libvirt writes back only what was given
/// (its "tristate" attributes), so absence must survive a round trip.
public struct NetworkDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: NetworkUUID
    public var title: String?
    public var description: String?
    /// `<metadata>`, kept verbatim for the user's tools.
    public var metadata: XMLElement?
    /// `ipv6='yes'`: guest-to-guest IPv6 without a gateway address on the bridge.
    public var ipv6WithoutGateway: Bool = false
    public var trustGuestRxFilters: Bool?
    /// Run-time count of connected guests; written only in the live XML.
    public var connections: Int = 0
    public var forward: ForwardDefinition = ForwardDefinition()
    public var bridge: BridgeDefinition = BridgeDefinition()
    public var mtu: UInt32?
    public var mac: MACAddress?
    public var domain: DomainDefinition?
    public var dns: DNSDefinition = DNSDefinition()
    public var vlan: VLANDefinition?
    public var bandwidth: BandwidthDefinition?
    /// `<port isolated='yes|no'/>`.
    public var portIsolated: Bool?
    public var ips: [IPDefinition] = []
    public var routes: [RouteDefinition] = []
    public var virtualPort: VirtualPortDefinition?
    public var portGroups: [PortGroupDefinition] = []
    /// `<dnsmasq:options>` values. Patchbay runs no dnsmasq; they are kept and written back so a
    /// definition moved between hosts loses nothing.
    public var dnsmasqOptions: [String] = []

    public init(name: String, uuid: NetworkUUID) {
        self.name = name
        self.uuid = uuid
    }

    public var forwardMode: ForwardMode { forward.mode }

    /// The addresses the bridge gets, in document order.
    public var interfaceAddresses: [InterfaceAddress] { ips.compactMap(\.interfaceAddress) }
}

/// `<bridge>`: the bridge a network creates (isolated, nat, route, open) or uses (bridge mode).
public struct BridgeDefinition: Sendable, Hashable, Codable {
    public var name: String?
    public var zone: String?
    public var stp: Bool = true
    /// Forward delay in seconds.
    public var delay: UInt64 = 0
    public var macTableManager: MACTableManager?

    public init(name: String? = nil) { self.name = name }
}

public enum MACTableManager: String, Sendable, Hashable, Codable, CaseIterable {
    case kernel, libvirt
}

/// `<domain>`: the DNS domain of the network's guests.
public struct DomainDefinition: Sendable, Hashable, Codable {
    public var name: String?
    public var localOnly: Bool?
    public var register: Bool?

    public init(name: String?, localOnly: Bool? = nil, register: Bool? = nil) {
        self.name = name
        self.localOnly = localOnly
        self.register = register
    }
}
