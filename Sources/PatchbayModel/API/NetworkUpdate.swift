/// `virsh net-update` in data: which section of the definition, what to do to it, and which
/// definition (running, persistent or both) it applies to.
public struct NetworkUpdateRequest: Sendable, Hashable, Codable {
    public enum Command: String, Sendable, Hashable, Codable, CaseIterable {
        case add, addFirst = "add-first", addLast = "add-last", delete, modify
    }

    public enum Section: String, Sendable, Hashable, Codable, CaseIterable {
        case bridge, domain, ip, forward
        case ipDHCPHost = "ip-dhcp-host"
        case ipDHCPRange = "ip-dhcp-range"
        case forwardInterface = "forward-interface"
        case forwardPF = "forward-pf"
        case portgroup
        case dnsHost = "dns-host"
        case dnsTXT = "dns-txt"
        case dnsSRV = "dns-srv"
    }

    /// virsh's --live / --config / --current (the default: live if running, else config).
    public enum Scope: String, Sendable, Hashable, Codable, CaseIterable {
        case current, live, config, liveAndConfig = "live+config"
    }

    public var command: Command
    public var section: Section
    /// The element to add, match or replace, e.g. `<host mac='…' ip='…'/>`.
    public var xml: String
    /// Which `<ip>` (0-based) for the ip-dhcp-* sections; nil picks the one with DHCP.
    public var parentIndex: Int?
    public var scope: Scope

    public init(command: Command, section: Section, xml: String, parentIndex: Int? = nil, scope: Scope = .current) {
        self.command = command
        self.section = section
        self.xml = xml
        self.parentIndex = parentIndex
        self.scope = scope
    }
}

/// What `net-update` changed.
public struct NetworkUpdateResult: Sendable, Hashable, Codable {
    public var network: NetworkSummary
    public var live: Bool
    public var config: Bool

    public init(network: NetworkSummary, live: Bool, config: Bool) {
        self.network = network
        self.live = live
        self.config = config
    }
}
