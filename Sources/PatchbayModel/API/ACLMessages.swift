/// A line of `acl-list`.
public struct ACLSummary: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    public var ingressRules: Int
    public var egressRules: Int
    public var attachments: [ACLAttachment]
    /// The port devices it applies to now.
    public var ports: Int

    public init(name: String, description: String?, ingressRules: Int, egressRules: Int, attachments: [ACLAttachment], ports: Int) {
        self.name = name
        self.description = description
        self.ingressRules = ingressRules
        self.egressRules = egressRules
        self.attachments = attachments
        self.ports = ports
    }
}

/// `acl-show`: the ACL, the ports it covers, and per rule the packets and bytes it matched,
/// summed over those ports.
public struct ACLDetails: Sendable, Hashable, Codable {
    public struct RuleCounters: Sendable, Hashable, Codable {
        public var direction: ACLDirection
        /// The rule's place in its list, from 1; nil for the direction's default.
        public var index: Int?
        public var rule: String
        public var packets: UInt64
        public var bytes: UInt64

        public init(direction: ACLDirection, index: Int?, rule: String, packets: UInt64, bytes: UInt64) {
            self.direction = direction
            self.index = index
            self.rule = rule
            self.packets = packets
            self.bytes = bytes
        }
    }

    public var acl: NetworkACL
    public var ports: [String]
    public var counters: [RuleCounters]

    public init(acl: NetworkACL, ports: [String], counters: [RuleCounters]) {
        self.acl = acl
        self.ports = ports
        self.counters = counters
    }
}
