/// A named network policy (what Incus calls a network ACL, Proxmox a security group): rules for
/// traffic into the guests it covers (`ingress`) and out of them (`egress`), a default for each
/// direction, and where it applies. It sits beside libvirt's nwfilter, not in its XML: a packet
/// must pass both.
///
/// Rules are evaluated top-down, first match wins (as Proxmox and iptables users expect); an
/// ACL's default applies once none of its rules matched. Traffic of connections already
/// accepted (replies, related ICMP) always passes, so an `allow` is stateful.
public struct NetworkACL: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    public var ingress: [ACLRule]
    public var egress: [ACLRule]
    public var defaultIngress: ACLDefaultAction
    public var defaultEgress: ACLDefaultAction
    public var attachments: [ACLAttachment]

    public init(name: String, description: String? = nil, ingress: [ACLRule] = [], egress: [ACLRule] = [],
                defaultIngress: ACLDefaultAction = .accept, defaultEgress: ACLDefaultAction = .accept,
                attachments: [ACLAttachment] = []) {
        self.name = name
        self.description = description
        self.ingress = ingress
        self.egress = egress
        self.defaultIngress = defaultIngress
        self.defaultEgress = defaultEgress
        self.attachments = attachments
    }

    enum CodingKeys: String, CodingKey {
        case name, description, ingress, egress, defaultIngress, defaultEgress, attachments
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        ingress = try c.decodeIfPresent([ACLRule].self, forKey: .ingress) ?? []
        egress = try c.decodeIfPresent([ACLRule].self, forKey: .egress) ?? []
        defaultIngress = try c.decodeIfPresent(ACLDefaultAction.self, forKey: .defaultIngress) ?? .accept
        defaultEgress = try c.decodeIfPresent(ACLDefaultAction.self, forKey: .defaultEgress) ?? .accept
        attachments = try c.decodeIfPresent([ACLAttachment].self, forKey: .attachments) ?? []
    }

    /// ACL names become parts of nft comments and URLs: letters, digits, `-`, `_`, `.`, 1–63 bytes.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63 && name.utf8.first != UInt8(ascii: ".")
            && name.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                    || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
            }
    }

    public func rules(_ direction: ACLDirection) -> [ACLRule] { direction == .ingress ? ingress : egress }
    public func defaultAction(_ direction: ACLDirection) -> ACLDefaultAction { direction == .ingress ? defaultIngress : defaultEgress }
}

public enum ACLDirection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Into the guest.
    case ingress
    /// Out of the guest.
    case egress
}

public enum ACLAction: String, Sendable, Hashable, Codable, CaseIterable {
    case allow, drop, reject
}

public enum ACLDefaultAction: String, Sendable, Hashable, Codable, CaseIterable {
    case accept, drop, reject
}

/// `tcp`, `udp`, `sctp` take ports; `icmp4`/`icmp6` take a type.
public enum ACLProtocol: String, Sendable, Hashable, Codable, CaseIterable {
    case tcp, udp, sctp, icmp4, icmp6

    public var hasPorts: Bool { self == .tcp || self == .udp || self == .sctp }
}

/// Where an ACL applies: every port of a network, the ports of one of its portgroups, or one port.
public struct ACLAttachment: Sendable, Hashable, Codable, CustomStringConvertible {
    public var network: String?
    public var portgroup: String?
    public var port: NetworkUUID?

    public init(network: String? = nil, portgroup: String? = nil, port: NetworkUUID? = nil) {
        self.network = network
        self.portgroup = portgroup
        self.port = port
    }

    public var description: String {
        if let port { return "port \(port)" }
        if let portgroup { return "portgroup '\(portgroup)' of network '\(network ?? "")'" }
        return "network '\(network ?? "")'"
    }
}

/// One end of a flow: an address or subnet, or a group Patchbay keeps current itself.
public enum ACLSelector: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A subnet ("10.0.0.0/8"), or one address (a /32 or /128).
    case subnet(InterfaceAddress)
    /// Every guest on the network of the port the rule is applied to (addresses from
    /// Patchbay's leases and static `$IP`s).
    case guests
    /// The host's own addresses on that network (its `<ip address>`es).
    case host
    /// The guests of one owner (a port's owner name, as `net-port-create --owner` set it).
    case owner(String)

    public init?(_ text: some StringProtocol) {
        let text = String(text)
        switch text {
        case "@guests": self = .guests
        case "@host": self = .host
        default:
            if text.hasPrefix("@owner:") {
                let name = String(text.dropFirst("@owner:".count))
                guard !name.isEmpty, !name.contains(",") else { return nil }
                self = .owner(name)
            } else if let subnet = InterfaceAddress(text) {
                self = .subnet(subnet.subnet)
            } else if let address = IPAddress(text) {
                self = .subnet(InterfaceAddress(address: address, prefixLength: address.maxPrefixLength)!)
            } else {
                return nil
            }
        }
    }

    public var description: String {
        switch self {
        case .subnet(let s): s.prefixLength == s.address.maxPrefixLength ? s.address.description : s.description
        case .guests: "@guests"
        case .host: "@host"
        case .owner(let name): "@owner:" + name
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = ACLSelector(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not an address, a subnet, @guests, @host or @owner:NAME"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A port or an inclusive range of ports ("22", "6000-6010").
public struct ACLPortRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public var first: UInt16
    public var last: UInt16

    public init?(first: UInt16, last: UInt16) {
        guard first >= 1, first <= last else { return nil }
        self.first = first
        self.last = last
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let a = UInt16(parts[0]), let b = parts.count == 2 ? UInt16(parts[1]) : a else { return nil }
        self.init(first: a, last: b)
    }

    public var description: String { first == last ? "\(first)" : "\(first)-\(last)" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let n = try? container.decode(UInt16.self), let r = ACLPortRange(first: n, last: n) { self = r; return }
        let text = try container.decode(String.self)
        guard let parsed = ACLPortRange(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a port from 1 to 65535 or a range A-B"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A rate of new connections ("10/second"), for rules that match only the connections that
/// arrive faster than it: nft's `ct state new limit rate over`.
public struct ACLRate: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
        case second, minute, hour, day
    }

    public var count: UInt32
    public var unit: Unit

    public init?(count: UInt32, unit: Unit) {
        guard count >= 1 else { return nil }
        self.count = count
        self.unit = unit
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = UInt32(parts[0]), let unit = Unit(rawValue: String(parts[1])) else { return nil }
        self.init(count: count, unit: unit)
    }

    public var description: String { "\(count)/\(unit.rawValue)" }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = ACLRate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not N/second, N/minute, N/hour or N/day"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// One rule. Empty lists match anything; `source` and `destination` are the packet's, whatever
/// the direction (an ingress rule's destination is the guest itself unless it says otherwise).
public struct ACLRule: Sendable, Hashable, Codable {
    public var action: ACLAction
    public var `protocol`: ACLProtocol?
    public var source: [ACLSelector]
    public var destination: [ACLSelector]
    public var sourcePorts: [ACLPortRange]
    public var destinationPorts: [ACLPortRange]
    public var icmpType: UInt8?
    /// Only new connections arriving faster than this match.
    public var rateOver: ACLRate?
    /// Matching packets are logged (at most ten a second) before the verdict.
    public var log: Bool
    public var description: String?

    public init(action: ACLAction, protocol: ACLProtocol? = nil, source: [ACLSelector] = [], destination: [ACLSelector] = [],
                sourcePorts: [ACLPortRange] = [], destinationPorts: [ACLPortRange] = [], icmpType: UInt8? = nil,
                rateOver: ACLRate? = nil, log: Bool = false, description: String? = nil) {
        self.action = action
        self.protocol = `protocol`
        self.source = source
        self.destination = destination
        self.sourcePorts = sourcePorts
        self.destinationPorts = destinationPorts
        self.icmpType = icmpType
        self.rateOver = rateOver
        self.log = log
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case action, `protocol`, source, destination, sourcePorts, destinationPorts, icmpType, rateOver, log, description
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        action = try c.decode(ACLAction.self, forKey: .action)
        `protocol` = try c.decodeIfPresent(ACLProtocol.self, forKey: .protocol)
        source = try c.decodeIfPresent([ACLSelector].self, forKey: .source) ?? []
        destination = try c.decodeIfPresent([ACLSelector].self, forKey: .destination) ?? []
        sourcePorts = try c.decodeIfPresent([ACLPortRange].self, forKey: .sourcePorts) ?? []
        destinationPorts = try c.decodeIfPresent([ACLPortRange].self, forKey: .destinationPorts) ?? []
        icmpType = try c.decodeIfPresent(UInt8.self, forKey: .icmpType)
        rateOver = try c.decodeIfPresent(ACLRate.self, forKey: .rateOver)
        log = try c.decodeIfPresent(Bool.self, forKey: .log) ?? false
        description = try c.decodeIfPresent(String.self, forKey: .description)
    }

    /// What is wrong with the rule on its own (ports without a protocol that has them, an ICMP
    /// type on another protocol), nil when nothing is.
    public var problem: String? {
        if !(sourcePorts.isEmpty && destinationPorts.isEmpty), !(self.protocol?.hasPorts ?? false) {
            return "ports need protocol tcp, udp or sctp"
        }
        if icmpType != nil, self.protocol != .icmp4 && self.protocol != .icmp6 {
            return "an ICMP type needs protocol icmp4 or icmp6"
        }
        if let description, description.utf8.count > 100 { return "the description is longer than 100 bytes" }
        return nil
    }
}
