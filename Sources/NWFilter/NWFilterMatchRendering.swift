import PatchbayModel

/// One rule's protocol element as nftables match expressions. The Ethernet-layer elements
/// (mac, vlan, stp, arp, rarp, ip, ipv6) render for the bridge family, the IP-layer ones
/// (tcp … all-ipv6) for the inet family, where br_netfilter gives bridged traffic connection
/// tracking. What nftables cannot express fails with the attribute named.
public enum NWFilterRenderError: Error, Sendable, Hashable, CustomStringConvertible {
    case unsupported(attribute: String, protocol: String, reason: String, filter: String)
    case invalidRange(attribute: String, filter: String)

    public var description: String {
        switch self {
        case .unsupported(let attribute, let proto, let reason, let filter):
            "filter '\(filter)': <\(proto) \(attribute)> cannot be enforced with nftables: \(reason)"
        case .invalidRange(let attribute, let filter):
            "filter '\(filter)': the range ending at \(attribute) ends below where it starts"
        }
    }
}

enum NWFilterMatchRendering {
    /// Which way a rule is written out: as the document says, or mirrored (source and
    /// destination swapped) for the reply half of a stateful accept.
    enum Orientation { case asWritten, mirrored }

    static func ethernet(_ match: NWFilterMatch, filter: String) throws(NWFilterRenderError) -> [String] {
        var out: [String] = []
        let proto = match.protocol
        func value(_ f: NWFilterField) -> NWFilterMatchValue? { match[f] }
        func op(_ f: NWFilterField) -> String { match[f]?.negated == true ? "!= " : "" }

        out += mac("ether saddr", match, .srcmacaddr, .srcmacmask)
        if proto != .stp { out += mac("ether daddr", match, .dstmacaddr, .dstmacmask) }
        switch proto {
        case .mac:
            if let v = value(.protocolid) { out.append("ether type \(op(.protocolid))\(hex(number(v.value), width: 4))") }
        case .vlan:
            out.append("ether type 8021q")
            if let v = value(.vlanid) { out.append("vlan id \(op(.vlanid))\(number(v.value))") }
            if let v = value(.encapProtocol) { out.append("vlan type \(op(.encapProtocol))\(hex(number(v.value), width: 4))") }
        case .stp:
            out.append("ether daddr 01:80:c2:00:00:00")
            out += try stp(match, filter: filter)
        case .arp, .rarp:
            out.append(proto == .arp ? "ether type arp" : "ether type 0x8035")
            // Raw offsets into the ARP header serve ARP and RARP alike (nft's arp expression
            // knows only EtherType 0x0806).
            if let v = value(.hwtype) { out.append("@nh,0,16 \(op(.hwtype))\(number(v.value))") }
            if let v = value(.protocoltype) { out.append("@nh,16,16 \(op(.protocoltype))\(hex(number(v.value), width: 4))") }
            if let v = value(.opcode) { out.append("@nh,48,16 \(op(.opcode))\(number(v.value))") }
            if let v = value(.arpsrcmacaddr), case .mac(let m) = v.value { out.append("@nh,64,48 \(op(.arpsrcmacaddr))\(rawMAC(m))") }
            if let v = value(.arpdstmacaddr), case .mac(let m) = v.value { out.append("@nh,144,48 \(op(.arpdstmacaddr))\(rawMAC(m))") }
            out += arpAddress("@nh,112,32", match, .arpsrcipaddr, .arpsrcipmask)
            out += arpAddress("@nh,192,32", match, .arpdstipaddr, .arpdstipmask)
            if value(.gratuitous) != nil {
                throw .unsupported(attribute: "gratuitous", protocol: proto.rawValue,
                                   reason: "nftables cannot compare the sender and target addresses of one packet", filter: filter)
            }
        case .ip:
            out.append("ether type ip")
            out += address("ip saddr", match, .srcipaddr, .srcipmask)
            out += address("ip daddr", match, .dstipaddr, .dstipmask)
            if let v = value(.protocol) { out.append("ip protocol \(op(.protocol))\(number(v.value))") }
            out += try ports(match, filter: filter)
            if let v = value(.dscp) { out.append("ip dscp \(op(.dscp))\(number(v.value))") }
        case .ipv6:
            out.append("ether type ip6")
            out += address("ip6 saddr", match, .srcipaddr, .srcipmask)
            out += address("ip6 daddr", match, .dstipaddr, .dstipmask)
            if let v = value(.protocol) { out.append("meta l4proto \(op(.protocol))\(number(v.value))") }
            out += try ports(match, filter: filter)
            if let v = value(.type) {
                out.append("icmpv6 type \(op(.type))" + (try range(v, value(.typeend), attribute: "typeend", filter: filter)))
            }
            if let v = value(.code) {
                out.append("icmpv6 code \(op(.code))" + (try range(v, value(.codeend), attribute: "codeend", filter: filter)))
            }
        default:
            break
        }
        return out
    }

    static func ip(_ match: NWFilterMatch, orientation: Orientation, filter: String) throws(NWFilterRenderError) -> [String] {
        let proto = match.protocol
        let v6 = proto.layer == .ipv6
        let family = v6 ? "ip6" : "ip"
        var out = [v6 ? "meta nfproto ipv6" : "meta nfproto ipv4"]
        func op(_ f: NWFilterField) -> String { match[f]?.negated == true ? "!= " : "" }
        let mirrored = orientation == .mirrored
        let (saddr, daddr) = mirrored ? ("daddr", "saddr") : ("saddr", "daddr")

        // The guest's MAC only identifies the sender of the packets as written.
        if !mirrored, let v = match[.srcmacaddr], case .mac(let m) = v.value { out.append("ether saddr \(op(.srcmacaddr))\(m)") }
        out += address("\(family) \(saddr)", match, .srcipaddr, .srcipmask)
        out += address("\(family) \(daddr)", match, .dstipaddr, .dstipmask)
        out += try addressRange("\(family) \(saddr)", match, .srcipfrom, .srcipto, filter: filter)
        out += try addressRange("\(family) \(daddr)", match, .dstipfrom, .dstipto, filter: filter)
        if let v = match[.dscp] { out.append("\(family) dscp \(op(.dscp))\(number(v.value))") }

        let l4: String? = switch proto {
        case .tcp, .tcpIPv6: "tcp"
        case .udp, .udpIPv6: "udp"
        case .sctp, .sctpIPv6: "sctp"
        case .udplite, .udpliteIPv6: "udplite"
        case .esp, .espIPv6: "esp"
        case .ah, .ahIPv6: "ah"
        case .icmp: "icmp"
        case .icmpv6: "ipv6-icmp"
        case .igmp: "igmp"
        default: nil
        }
        if let l4 { out.append("meta l4proto \(l4)") }
        switch proto {
        case .tcp, .tcpIPv6, .udp, .udpIPv6, .sctp, .sctpIPv6:
            out += try ports(match, filter: filter, swapped: mirrored)
        default: break
        }
        if proto == .icmp || proto == .icmpv6 {
            let name = proto == .icmp ? "icmp" : "icmpv6"
            if let v = match[.type] { out.append("\(name) type \(op(.type))\(number(v.value))") }
            if let v = match[.code] { out.append("\(name) code \(op(.code))\(number(v.value))") }
        }
        if let v = match[.flags], case .tcpFlags(let mask, let set) = v.value {
            let compare = v.negated ? "!=" : "=="
            out.append("tcp flags & \(hex(UInt32(mask.rawValue), width: 2)) \(compare) \(hex(UInt32(set.rawValue), width: 2))")
        }
        if let v = match[.connlimitAbove] { out.append("ct count over \(number(v.value))") }
        if match[.option] != nil {
            throw .unsupported(attribute: "option", protocol: proto.rawValue, reason: "TCP option matching is not implemented", filter: filter)
        }
        if match[.ipset] != nil {
            throw .unsupported(attribute: "ipset", protocol: proto.rawValue,
                               reason: "kernel ipsets are an iptables feature; use an address set in an ACL instead", filter: filter)
        }
        return out
    }

    // MARK: Pieces

    static func number(_ value: NWFilterValue) -> UInt32 {
        if case .number(let n, _) = value { return n }
        return 0
    }

    static func hex(_ n: UInt32, width: Int) -> String {
        let digits = String(n, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func rawMAC(_ mac: MACAddress) -> String {
        "0x" + mac.bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func mac(_ key: String, _ match: NWFilterMatch, _ addressField: NWFilterField, _ maskField: NWFilterField) -> [String] {
        guard let v = match[addressField], case .mac(let address) = v.value else { return [] }
        let op = v.negated ? "!= " : ""
        guard let m = match[maskField], case .mac(let mask) = m.value, mask.bytes != [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] else {
            return ["\(key) \(op)\(address)"]
        }
        let masked = MACAddress(bytes: zip(address.bytes, mask.bytes).map { $0 & $1 })!
        return ["\(key) & \(mask) \(v.negated ? "!=" : "==") \(masked)"]
    }

    static func prefix(_ match: NWFilterMatch, _ maskField: NWFilterField) -> UInt8? {
        if case .prefixLength(let p)? = match[maskField]?.value { return p }
        return nil
    }

    /// An address with its mask in CIDR form, the host bits cleared (nft refuses them).
    static func address(_ key: String, _ match: NWFilterMatch, _ addressField: NWFilterField, _ maskField: NWFilterField) -> [String] {
        guard let v = match[addressField] else { return [] }
        let op = v.negated ? "!= " : ""
        switch v.value {
        case .ipv4(let a):
            let bits = prefix(match, maskField) ?? 32
            if bits == 0 { return [] }
            return ["\(key) \(op)\(IPv4Address(bytes: masked(a.bytes, bits))!)" + (bits == 32 ? "" : "/\(bits)")]
        case .ipv6(let a):
            let bits = prefix(match, maskField) ?? 128
            if bits == 0 { return [] }
            return ["\(key) \(op)\(IPv6Address(bytes: masked(a.bytes, bits))!)" + (bits == 128 ? "" : "/\(bits)")]
        default:
            return []
        }
    }

    static func arpAddress(_ key: String, _ match: NWFilterMatch, _ addressField: NWFilterField, _ maskField: NWFilterField) -> [String] {
        guard let v = match[addressField], case .ipv4(let a) = v.value else { return [] }
        let bits = Int(prefix(match, maskField) ?? 32)
        if bits == 0 { return [] }
        let value = a.bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let mask: UInt32 = bits == 32 ? .max : ~(UInt32.max >> UInt32(bits))
        if bits == 32 { return ["\(key) \(v.negated ? "!= " : "")\(hex(value, width: 8))"] }
        return ["\(key) & \(hex(mask, width: 8)) \(v.negated ? "!=" : "==") \(hex(value & mask, width: 8))"]
    }

    static func masked(_ bytes: [UInt8], _ bits: UInt8) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, Int(bits) - index * 8))
            return keep == 8 ? byte : byte & ~(UInt8(0xFF) >> UInt8(keep))
        }
    }

    static func addressRange(_ key: String, _ match: NWFilterMatch, _ fromField: NWFilterField, _ toField: NWFilterField,
                             filter: String) throws(NWFilterRenderError) -> [String] {
        guard let from = match[fromField] else { return [] }
        let op = from.negated ? "!= " : ""
        let text: (NWFilterValue) -> String = { value in
            switch value {
            case .ipv4(let a): a.description
            case .ipv6(let a): a.description
            default: ""
            }
        }
        guard let to = match[toField] else { return ["\(key) \(op)\(text(from.value))"] }
        let ordered: Bool = switch (from.value, to.value) {
        case (.ipv4(let a), .ipv4(let b)): a.bytes.lexicographicallyPrecedes(b.bytes) || a == b
        case (.ipv6(let a), .ipv6(let b)): a.bytes.lexicographicallyPrecedes(b.bytes) || a == b
        default: false
        }
        guard ordered else { throw .invalidRange(attribute: toField.rawValue, filter: filter) }
        return ["\(key) \(op)\(text(from.value))-\(text(to.value))"]
    }

    static func range(_ start: NWFilterMatchValue, _ end: NWFilterMatchValue?, attribute: String, filter: String)
        throws(NWFilterRenderError) -> String {
        let low = number(start.value)
        guard let end else { return String(low) }
        let high = number(end.value)
        guard high >= low else { throw .invalidRange(attribute: attribute, filter: filter) }
        return high == low ? String(low) : "\(low)-\(high)"
    }

    /// Source and destination ports as `th` ranges; the rule's protocol element (or the `ip`
    /// element's protocol) has already fixed the transport.
    static func ports(_ match: NWFilterMatch, filter: String, swapped: Bool = false) throws(NWFilterRenderError) -> [String] {
        var out: [String] = []
        let (sport, dport) = swapped ? ("th dport", "th sport") : ("th sport", "th dport")
        if let start = match[.srcportstart] {
            out.append("\(sport) \(start.negated ? "!= " : "")" + (try range(start, match[.srcportend], attribute: "srcportend", filter: filter)))
        } else if let end = match[.srcportend] {
            out.append("\(sport) \(end.negated ? "!= " : "")0-\(number(end.value))")
        }
        if let start = match[.dstportstart] {
            out.append("\(dport) \(start.negated ? "!= " : "")" + (try range(start, match[.dstportend], attribute: "dstportend", filter: filter)))
        } else if let end = match[.dstportend] {
            out.append("\(dport) \(end.negated ? "!= " : "")0-\(number(end.value))")
        }
        return out
    }

    /// The BPDU fields at their offsets from the start of the frame (802.1D §9.3: Ethernet,
    /// LLC, then the BPDU); a `-hi` attribute makes a range.
    static func stp(_ match: NWFilterMatch, filter: String) throws(NWFilterRenderError) -> [String] {
        var out: [String] = []
        let numeric: [(NWFilterField, NWFilterField?, Int, Int)] = [
            (.type, nil, 160, 8), (.flags, nil, 168, 8), (.rootPriority, .rootPriorityHi, 176, 16),
            (.rootCost, .rootCostHi, 240, 32), (.senderPriority, .senderPriorityHi, 272, 16), (.port, .portHi, 336, 16),
            (.age, .ageHi, 352, 16), (.maxAge, .maxAgeHi, 368, 16), (.helloTime, .helloTimeHi, 384, 16),
            (.forwardDelay, .forwardDelayHi, 400, 16),
        ]
        for (field, hi, offset, width) in numeric {
            guard let v = match[field] else { continue }
            let value = try range(v, hi.flatMap { match[$0] }, attribute: hi?.rawValue ?? field.rawValue, filter: filter)
            out.append("@ll,\(offset),\(width) \(v.negated ? "!= " : "")\(value)")
        }
        for (field, maskField, offset) in [(NWFilterField.rootAddress, NWFilterField.rootAddressMask, 192),
                                           (.senderAddress, .senderAddressMask, 288)] {
            guard let v = match[field], case .mac(let address) = v.value else { continue }
            if let m = match[maskField], case .mac(let mask) = m.value {
                let masked = MACAddress(bytes: zip(address.bytes, mask.bytes).map { $0 & $1 })!
                out.append("@ll,\(offset),48 & \(rawMAC(mask)) \(v.negated ? "!=" : "==") \(rawMAC(masked))")
            } else {
                out.append("@ll,\(offset),48 \(v.negated ? "!= " : "")\(rawMAC(address))")
            }
        }
        return out
    }
}
