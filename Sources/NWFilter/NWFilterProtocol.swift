/// The 24 protocol elements of a rule (nwfilter.rng; virAttr in nwfilter_conf.c), named as in XML.
public enum NWFilterProtocol: String, Sendable, Hashable, Codable, CaseIterable {
    case mac, vlan, stp, arp, rarp, ip, ipv6
    case tcp, udp, udplite, esp, ah, sctp, icmp, igmp, all
    case tcpIPv6 = "tcp-ipv6", udpIPv6 = "udp-ipv6", udpliteIPv6 = "udplite-ipv6", espIPv6 = "esp-ipv6"
    case ahIPv6 = "ah-ipv6", sctpIPv6 = "sctp-ipv6", icmpv6, allIPv6 = "all-ipv6"

    /// Where libvirt instantiates it: the Ethernet layer (ebtables there, the bridge family
    /// here) or the IP layers (iptables/ip6tables there, the inet family here).
    public enum Layer: Sendable, Hashable {
        case ethernet, ipv4, ipv6
    }

    public var layer: Layer {
        switch self {
        case .mac, .vlan, .stp, .arp, .rarp, .ip, .ipv6: .ethernet
        case .tcp, .udp, .udplite, .esp, .ah, .sctp, .icmp, .igmp, .all: .ipv4
        case .tcpIPv6, .udpIPv6, .udpliteIPv6, .espIPv6, .ahIPv6, .sctpIPv6, .icmpv6, .allIPv6: .ipv6
        }
    }

    /// The attributes the element takes, in the order libvirt formats them.
    public var attributes: [NWFilterAttributeSpec] {
        switch self {
        case .mac: NWFilterAttributeSpec.mac
        case .vlan: NWFilterAttributeSpec.vlan
        case .stp: NWFilterAttributeSpec.stp
        case .arp, .rarp: NWFilterAttributeSpec.arp
        case .ip: NWFilterAttributeSpec.ip
        case .ipv6: NWFilterAttributeSpec.ipv6
        case .tcp: NWFilterAttributeSpec.tcp
        case .udp, .sctp: NWFilterAttributeSpec.udp
        case .udplite, .esp, .ah, .igmp, .all: NWFilterAttributeSpec.ipOnly
        case .icmp: NWFilterAttributeSpec.icmp
        case .tcpIPv6: NWFilterAttributeSpec.tcpIPv6
        case .udpIPv6, .sctpIPv6: NWFilterAttributeSpec.udpIPv6
        case .udpliteIPv6, .espIPv6, .ahIPv6, .allIPv6: NWFilterAttributeSpec.ipv6Only
        case .icmpv6: NWFilterAttributeSpec.icmpv6
        }
    }

    public func spec(for field: NWFilterField) -> NWFilterAttributeSpec? {
        attributes.first { $0.field == field }
    }

    /// virNWFilterRuleDefFixup: the attribute on the left takes `match='no'` from the one on
    /// the right, so a mask or an upper bound is negated with what it qualifies. libvirt ties
    /// both destination ports to the source port start; Patchbay does the same, but only when
    /// that source attribute is present, so `<tcp match='no' dstportstart='22'/>` keeps its
    /// negation instead of silently matching port 22.
    var negationFollows: [(NWFilterField, NWFilterField)] {
        let l2: [(NWFilterField, NWFilterField)] = [(.srcmacmask, .srcmacaddr), (.dstmacmask, .dstmacaddr)]
        let ipAddresses: [(NWFilterField, NWFilterField)] = [(.srcipmask, .srcipaddr), (.dstipmask, .dstipaddr)]
        let ranges: [(NWFilterField, NWFilterField)] = [(.srcipto, .srcipfrom), (.dstipto, .dstipfrom)]
        let ports: [(NWFilterField, NWFilterField)] = [(.srcportend, .srcportstart), (.dstportstart, .srcportstart),
                                                        (.dstportend, .srcportstart)]
        switch self {
        case .mac, .vlan: return l2
        case .stp:
            return [(.srcmacmask, .srcmacaddr), (.rootPriorityHi, .rootPriority), (.rootAddressMask, .rootAddress),
                    (.rootCostHi, .rootCost), (.senderPriorityHi, .senderPriority), (.senderAddressMask, .senderAddress),
                    (.portHi, .port), (.ageHi, .age), (.maxAgeHi, .maxAge), (.helloTimeHi, .helloTime),
                    (.forwardDelayHi, .forwardDelay)]
        case .ip: return ipAddresses
        case .ipv6: return ipAddresses + [(.typeend, .type), (.code, .type), (.codeend, .type)]
        case .arp, .rarp: return []
        case .tcp, .tcpIPv6, .udp, .udpIPv6, .sctp, .sctpIPv6: return ipAddresses + ranges + ports
        case .udplite, .udpliteIPv6, .esp, .espIPv6, .ah, .ahIPv6, .igmp, .all, .allIPv6: return ipAddresses + ranges
        case .icmp, .icmpv6: return ipAddresses + ranges + [(.code, .type)]
        }
    }
}

/// Every attribute name of the language. Some names mean different things in different
/// elements (`type`, `flags`), which the element's table tells apart.
public enum NWFilterField: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable {
    case srcmacaddr, srcmacmask, dstmacaddr, dstmacmask
    case protocolid, vlanid, encapProtocol = "encap-protocol"
    case type, flags
    case rootPriority = "root-priority", rootPriorityHi = "root-priority-hi"
    case rootAddress = "root-address", rootAddressMask = "root-address-mask"
    case rootCost = "root-cost", rootCostHi = "root-cost-hi"
    case senderPriority = "sender-priority", senderPriorityHi = "sender-priority-hi"
    case senderAddress = "sender-address", senderAddressMask = "sender-address-mask"
    case port, portHi = "port-hi", age, ageHi = "age-hi", maxAge = "max-age", maxAgeHi = "max-age-hi"
    case helloTime = "hello-time", helloTimeHi = "hello-time-hi"
    case forwardDelay = "forward-delay", forwardDelayHi = "forward-delay-hi"
    case hwtype, protocoltype, opcode, arpsrcmacaddr, arpdstmacaddr
    case arpsrcipaddr, arpsrcipmask, arpdstipaddr, arpdstipmask, gratuitous
    case srcipaddr, srcipmask, dstipaddr, dstipmask, srcipfrom, srcipto, dstipfrom, dstipto
    case `protocol`, srcportstart, srcportend, dstportstart, dstportend
    case dscp, connlimitAbove = "connlimit-above", state, ipset, ipsetflags
    case option, typeend, code, codeend, comment
}

/// How an attribute's text is read and written (libvirt's attrDatatype plus its validators).
public enum NWFilterValueKind: Sendable, Hashable {
    case macAddress, macMask
    case ipv4Address, ipv4Mask, ipv6Address, ipv6Mask
    /// Decimal, or hexadecimal when the text is not decimal; written back the way it was read.
    case uint8, uint16, uint32
    /// Decimal only (connlimit-above).
    case uint16Decimal
    /// An EtherType of 0x600 or more, or arp, rarp, ipv4, ipv6, vlan.
    case etherType
    /// The VLAN's encapsulated EtherType: 0x3c or more, or one of the names.
    case vlanEncapsulation
    case vlanID
    case arpOpcode
    case ipProtocol
    case dscp
    case connectionState
    case ipsetName, ipsetFlags
    case tcpFlags
    case boolean
    case comment
}

public struct NWFilterAttributeSpec: Sendable, Hashable {
    public let field: NWFilterField
    public let kind: NWFilterValueKind

    init(_ field: NWFilterField, _ kind: NWFilterValueKind) {
        self.field = field
        self.kind = kind
    }

    static let l2: [Self] = [.init(.srcmacaddr, .macAddress), .init(.srcmacmask, .macMask),
                             .init(.dstmacaddr, .macAddress), .init(.dstmacmask, .macMask)]
    static let comment = Self(.comment, .comment)

    static let mac = l2 + [.init(.protocolid, .etherType), comment]
    static let vlan = l2 + [.init(.vlanid, .vlanID), .init(.encapProtocol, .vlanEncapsulation), comment]
    static let stp: [Self] = [
        .init(.srcmacaddr, .macAddress), .init(.srcmacmask, .macMask),
        .init(.type, .uint8), .init(.flags, .uint8),
        .init(.rootPriority, .uint16), .init(.rootPriorityHi, .uint16),
        .init(.rootAddress, .macAddress), .init(.rootAddressMask, .macMask),
        .init(.rootCost, .uint32), .init(.rootCostHi, .uint32),
        .init(.senderPriority, .uint16), .init(.senderPriorityHi, .uint16),
        .init(.senderAddress, .macAddress), .init(.senderAddressMask, .macMask),
        .init(.port, .uint16), .init(.portHi, .uint16), .init(.age, .uint16), .init(.ageHi, .uint16),
        .init(.maxAge, .uint16), .init(.maxAgeHi, .uint16), .init(.helloTime, .uint16), .init(.helloTimeHi, .uint16),
        .init(.forwardDelay, .uint16), .init(.forwardDelayHi, .uint16), comment,
    ]
    static let arp = l2 + [
        .init(.hwtype, .uint16), .init(.protocoltype, .uint16), .init(.opcode, .arpOpcode),
        .init(.arpsrcmacaddr, .macAddress), .init(.arpdstmacaddr, .macAddress),
        .init(.arpsrcipaddr, .ipv4Address), .init(.arpsrcipmask, .ipv4Mask),
        .init(.arpdstipaddr, .ipv4Address), .init(.arpdstipmask, .ipv4Mask),
        .init(.gratuitous, .boolean), comment,
    ]
    static let ports: [Self] = [.init(.srcportstart, .uint16), .init(.srcportend, .uint16),
                                .init(.dstportstart, .uint16), .init(.dstportend, .uint16)]
    static let ip = l2 + [.init(.srcipaddr, .ipv4Address), .init(.srcipmask, .ipv4Mask),
                          .init(.dstipaddr, .ipv4Address), .init(.dstipmask, .ipv4Mask),
                          .init(.protocol, .ipProtocol)] + ports + [.init(.dscp, .dscp), comment]
    static let ipv6 = l2 + [.init(.srcipaddr, .ipv6Address), .init(.srcipmask, .ipv6Mask),
                            .init(.dstipaddr, .ipv6Address), .init(.dstipmask, .ipv6Mask),
                            .init(.protocol, .ipProtocol)] + ports
        + [.init(.type, .uint8), .init(.typeend, .uint8), .init(.code, .uint8), .init(.codeend, .uint8), comment]

    /// COMMON_IP_PROPS: the attributes every IP-layer element shares.
    static func common(_ address: NWFilterValueKind, _ mask: NWFilterValueKind) -> [Self] {
        [.init(.srcmacaddr, .macAddress),
         .init(.srcipaddr, address), .init(.srcipmask, mask), .init(.dstipaddr, address), .init(.dstipmask, mask),
         .init(.srcipfrom, address), .init(.srcipto, address), .init(.dstipfrom, address), .init(.dstipto, address),
         .init(.dscp, .dscp), .init(.connlimitAbove, .uint16Decimal), .init(.state, .connectionState),
         .init(.ipset, .ipsetName), .init(.ipsetflags, .ipsetFlags)]
    }
    static let common4 = common(.ipv4Address, .ipv4Mask)
    static let common6 = common(.ipv6Address, .ipv6Mask)

    static let tcp = common4 + ports + [.init(.option, .uint8), .init(.flags, .tcpFlags), comment]
    static let udp = common4 + ports + [comment]
    static let ipOnly = common4 + [comment]
    static let icmp = common4 + [.init(.type, .uint8), .init(.code, .uint8), comment]
    static let tcpIPv6 = common6 + ports + [.init(.option, .uint8), comment]
    static let udpIPv6 = common6 + ports + [comment]
    static let ipv6Only = common6 + [comment]
    static let icmpv6 = common6 + [.init(.type, .uint8), .init(.code, .uint8), comment]
}
