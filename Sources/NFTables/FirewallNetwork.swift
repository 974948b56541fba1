import PatchbayModel

/// What the firewall needs to know of one running network: its bridge, mode and subnets, and the
/// `<forward dev>` and `<nat>` options. Its port forwards are a fragment of their own
/// (`FirewallState.portForwards`).
public struct FirewallNetwork: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable {
        case nat, route, isolated
    }

    public var name: String
    public var bridge: String
    public var mode: Mode
    public var ipv4Subnets: [InterfaceAddress]
    public var ipv6Subnets: [InterfaceAddress]
    /// `<forward dev>`: traffic may leave (and come back) only through this device.
    public var forwardDevice: String?
    /// `<nat><address start end>`: SNAT to this range instead of masquerading.
    public var natAddresses: (start: IPv4Address, end: IPv4Address)?
    /// `<nat><port start end>`: source ports for TCP/UDP; libvirt's default is 1024-65535.
    public var natPorts: (start: UInt16, end: UInt16)
    /// `<port isolated='yes'/>`: the guests' bridge ports cannot reach each other, and neither
    /// may their traffic through the host (a guest routing to another guest via the gateway).
    /// What a guest routes arrives addressed to the bridge's own MAC, which is how the forward
    /// path tells it from bridged traffic (br_netfilter shows both with the bridge as in and
    /// out device); nil when the network does not isolate its guests or has no MAC.
    public var isolatedGatewayMAC: MACAddress?

    /// The firewall of `definition`, or nil for modes that get no rules (open, and the modes that
    /// do not own a bridge). Interface names go into nft command text, so one that is not a plain
    /// kernel name (the kernel itself accepts quotes and semicolons) is refused here, before it
    /// could end the quoted literal and add commands of its own.
    public init?(definition: NetworkDefinition) throws(PatchbayError) {
        let mode: Mode
        switch definition.forward.mode {
        case .nat: mode = .nat
        case .route: mode = .route
        case .none: mode = .isolated
        default: return nil
        }
        guard let bridge = definition.bridge.name else { return nil }
        for (what, name) in [("bridge", bridge), ("forward dev", definition.forward.dev)] {
            if let name, !PatchbayTables.isUsableInterfaceName(name) {
                throw PatchbayError(.invalidArgument,
                                    "network '\(definition.name)': \(what) name '\(name)' cannot be used in firewall rules (use letters, digits, '_', '-' and '.', at most 15)")
            }
        }
        name = definition.name
        self.bridge = bridge
        self.mode = mode
        let subnets = definition.interfaceAddresses.map { InterfaceAddress(address: $0.address.masked(to: $0.prefixLength), prefixLength: $0.prefixLength) ?? $0 }
        ipv4Subnets = subnets.filter { $0.address.isIPv4 }
        ipv6Subnets = subnets.filter { !$0.address.isIPv4 }
        forwardDevice = definition.forward.dev
        let nat = definition.forward.nat
        if let start = nat?.addressStart { natAddresses = (start, nat?.addressEnd ?? start) }
        natPorts = (nat?.portStart ?? 1024, nat?.portEnd ?? 65535)
        isolatedGatewayMAC = definition.portIsolated == true ? definition.mac : nil
    }

    public static func == (lhs: FirewallNetwork, rhs: FirewallNetwork) -> Bool {
        lhs.name == rhs.name && lhs.bridge == rhs.bridge && lhs.mode == rhs.mode && lhs.ipv4Subnets == rhs.ipv4Subnets
            && lhs.ipv6Subnets == rhs.ipv6Subnets && lhs.forwardDevice == rhs.forwardDevice
            && lhs.natAddresses?.start == rhs.natAddresses?.start && lhs.natAddresses?.end == rhs.natAddresses?.end
            && lhs.natPorts == rhs.natPorts && lhs.isolatedGatewayMAC == rhs.isolatedGatewayMAC
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(bridge)
    }
}
