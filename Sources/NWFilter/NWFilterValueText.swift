import PatchbayModel

/// Reading and writing one attribute value of a given kind, as virNWFilterRuleDetailsParse and
/// virNWFilterRuleDefDetailsFormat do. Reading fails with the reason; the caller adds where.
enum NWFilterValueText {
    /// Why a value was refused, in words for the user.
    struct Reason: Error, ExpressibleByStringInterpolation {
        let text: String
        init(stringLiteral value: String) { text = value }
        init(stringInterpolation: DefaultStringInterpolation) { text = String(stringInterpolation: stringInterpolation) }
        init(_ text: String) { self.text = text }
    }

    static let etherTypes: [(UInt32, String)] = [(0x0806, "arp"), (0x8035, "rarp"), (0x0800, "ipv4"), (0x86DD, "ipv6"),
                                                 (0x8100, "vlan")]
    static let arpOpcodes: [(UInt32, String)] = [(1, "Request"), (2, "Reply"), (3, "Request_Reverse"), (4, "Reply_Reverse"),
                                                 (5, "DRARP_Request"), (6, "DRARP_Reply"), (7, "DRARP_Error"),
                                                 (8, "InARP_Request"), (9, "ARP_NAK")]
    static let ipProtocols: [(UInt32, String)] = [(6, "tcp"), (17, "udp"), (136, "udplite"), (50, "esp"), (51, "ah"),
                                                  (1, "icmp"), (2, "igmp"), (132, "sctp"), (58, "icmpv6")]
    /// MAX_COMMENT_LENGTH: libvirt keeps the first 256 bytes.
    static let maximumCommentLength = 256
    /// An ipset name fits IPSET_MAXNAMELEN (32) with its terminator.
    static let maximumIPSetNameLength = 31

    static func parse(_ text: String, as kind: NWFilterValueKind) -> Result<NWFilterValue, NWFilterValueText.Reason> {
        switch kind {
        case .macAddress:
            guard let mac = MACAddress(text) else { return .failure("not a MAC address") }
            return .success(.mac(mac))
        case .macMask:
            guard let mac = MACAddress(text) else { return .failure("not a MAC address mask") }
            guard isContiguous(mac.bytes) else { return .failure("a MAC mask must be ones followed by zeros") }
            return .success(.mac(mac))
        case .ipv4Address:
            guard let address = IPv4Address(text) else { return .failure("not an IPv4 address") }
            return .success(.ipv4(address))
        case .ipv6Address:
            guard let address = IPv6Address(text) else { return .failure("not an IPv6 address") }
            return .success(.ipv6(address))
        case .ipv4Mask:
            return mask(text, bits: 32) { IPv4Address($0).map(\.bytes) }
        case .ipv6Mask:
            return mask(text, bits: 128) { IPv6Address($0).map(\.bytes) }
        case .uint8: return number(text, maximum: 0xFF)
        case .uint16: return number(text, maximum: 0xFFFF)
        case .uint32: return number(text, maximum: 0xFFFF_FFFF)
        case .uint16Decimal:
            guard let value = decimal(text), value <= 0xFFFF else { return .failure("expected a decimal number up to 65535") }
            return .success(.number(value, hex: false))
        case .etherType, .vlanEncapsulation:
            let minimum: UInt32 = kind == .etherType ? 0x600 : 0x3C
            if case .success(.number(let value, let hex)) = number(text, maximum: 0xFFFF) {
                guard value >= minimum else {
                    return .failure("an EtherType must be at least 0x\(String(minimum, radix: 16)) or one of arp, rarp, ipv4, ipv6, vlan")
                }
                return .success(.number(value, hex: hex))
            }
            guard let value = lookup(text, in: etherTypes) else {
                return .failure("expected a number of at least 0x\(String(minimum, radix: 16)) or one of arp, rarp, ipv4, ipv6, vlan")
            }
            return .success(.number(value, hex: false))
        case .vlanID:
            guard case .success(.number(let value, let hex)) = number(text, maximum: 0xFFFF), value <= 4095 else {
                return .failure("a VLAN id is 0 to 4095")
            }
            return .success(.number(value, hex: hex))
        case .arpOpcode:
            if case .success(let value) = number(text, maximum: 0xFFFF) { return .success(value) }
            guard let value = lookup(text, in: arpOpcodes) else {
                return .failure(Reason("expected a number up to 65535 or one of " + arpOpcodes.map(\.1).joined(separator: ", ")))
            }
            return .success(.number(value, hex: false))
        case .ipProtocol:
            if case .success(let value) = number(text, maximum: 0xFF) { return .success(value) }
            guard let value = lookup(text, in: ipProtocols) else {
                return .failure(Reason("expected a protocol number up to 255 or one of " + ipProtocols.map(\.1).joined(separator: ", ")))
            }
            return .success(.number(value, hex: true))
        case .dscp:
            guard case .success(.number(let value, let hex)) = number(text, maximum: 0xFF), value <= 63 else {
                return .failure("a DSCP value is 0 to 63")
            }
            return .success(.number(value, hex: hex))
        case .connectionState:
            guard let states = connectionStates(text) else {
                return .failure("expected a comma-separated list of NEW, ESTABLISHED, RELATED, INVALID or NONE")
            }
            return .success(.connectionStates(states))
        case .ipsetName:
            guard text.utf8.count <= maximumIPSetNameLength else { return .failure("an ipset name is at most 31 characters") }
            guard !text.isEmpty, text.utf8.allSatisfy(isIPSetNameByte) else {
                return .failure("an ipset name may hold only letters, digits and '_', '.', ':', '-', '+', ' '")
            }
            return .success(.text(text))
        case .ipsetFlags:
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            guard (1...6).contains(parts.count) else { return .failure("expected 1 to 6 of 'src' or 'dst', comma-separated") }
            var directions: [NWFilterIPSetDirection] = []
            for part in parts {
                switch part.lowercased() {
                case "src": directions.append(.src)
                case "dst": directions.append(.dst)
                default: return .failure("expected 1 to 6 of 'src' or 'dst', comma-separated")
                }
            }
            return .success(.ipsetFlags(directions))
        case .tcpFlags:
            let halves = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard halves.count == 2, let mask = tcpFlags(String(halves[0])), let set = tcpFlags(String(halves[1])) else {
                return .failure("expected MASK/FLAGS, each a comma-separated list of SYN, ACK, URG, PSH, FIN, RST, ALL or NONE")
            }
            return .success(.tcpFlags(mask: NWFilterTCPFlags(rawValue: mask), set: NWFilterTCPFlags(rawValue: set)))
        case .boolean:
            // libvirt takes true, 1 and yes as true and anything else as false.
            return .success(.boolean(text == "true" || text == "1" || text == "yes"))
        case .comment:
            return .success(.text(truncated(text, toBytes: maximumCommentLength)))
        }
    }

    static func format(_ value: NWFilterValue, as kind: NWFilterValueKind) -> String {
        switch value {
        case .variable(let access): return "$" + access.description
        case .number(let n, let hex):
            switch kind {
            case .etherType, .vlanEncapsulation:
                if let name = etherTypes.first(where: { $0.0 == n })?.1 { return name }
            case .ipProtocol:
                if let name = ipProtocols.first(where: { $0.0 == n })?.1 { return name }
            case .arpOpcode:
                return arpOpcodes.first(where: { $0.0 == n })?.1 ?? String(n)
            default: break
            }
            return hex ? "0x" + String(n, radix: 16) : String(n)
        case .mac(let mac): return mac.description
        case .ipv4(let address): return address.description
        case .ipv6(let address): return formatIPv6(address)
        case .prefixLength(let bits): return String(bits)
        case .boolean(let b): return b ? "true" : "false"
        case .text(let text): return text
        case .connectionStates(let states):
            return NWFilterConnectionStates.names.filter { states.contains($0.0) }.map(\.1).joined(separator: ",")
        case .tcpFlags(let mask, let set): return formatTCPFlags(mask.rawValue) + "/" + formatTCPFlags(set.rawValue)
        case .ipsetFlags(let directions): return directions.map(\.rawValue).joined(separator: ",")
        }
    }

    // MARK: Pieces

    /// virStrToLong_ui over the whole text: decimal first, then (for the _HEX datatypes)
    /// hexadecimal with an optional 0x, remembering which one read it.
    static func number(_ text: String, maximum: UInt32) -> Result<NWFilterValue, NWFilterValueText.Reason> {
        if let value = decimal(text) {
            guard value <= maximum else { return .failure("the largest value is \(maximum)") }
            return .success(.number(value, hex: false))
        }
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.utf8.count <= 8, let value = UInt32(digits, radix: 16) else {
            return .failure("expected a decimal or hexadecimal number up to \(maximum)")
        }
        guard value <= maximum else { return .failure("the largest value is \(maximum)") }
        return .success(.number(value, hex: true))
    }

    static func decimal(_ text: String) -> UInt32? {
        guard !text.isEmpty, text.utf8.count <= 10,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt32(text)
    }

    static func lookup(_ text: String, in table: [(UInt32, String)]) -> UInt32? {
        table.first { $0.1.lowercased() == text.lowercased() }?.0
    }

    /// A prefix length, or a netmask in address form that must be contiguous.
    static func mask(_ text: String, bits: Int, address: (String) -> [UInt8]?) -> Result<NWFilterValue, NWFilterValueText.Reason> {
        if let value = decimal(text) {
            guard value <= bits else { return .failure("a prefix length is 0 to \(bits)") }
            return .success(.prefixLength(UInt8(value)))
        }
        guard let bytes = address(text) else { return .failure("expected a prefix length (0 to \(bits)) or a netmask") }
        guard isContiguous(bytes) else { return .failure("a netmask must be ones followed by zeros") }
        return .success(.prefixLength(UInt8(bytes.reduce(0) { $0 + $1.nonzeroBitCount })))
    }

    /// checkValidMask: a run of ones, then only zeros.
    static func isContiguous(_ bytes: [UInt8]) -> Bool {
        var seenZero = false
        for byte in bytes {
            for bit in (0..<8).reversed() {
                let one = byte & (1 << bit) != 0
                if one && seenZero { return false }
                if !one { seenZero = true }
            }
        }
        return true
    }

    /// parseStringItems: names separated by commas and blanks, matched case-insensitively.
    static func connectionStates(_ text: String) -> NWFilterConnectionStates? {
        var states = NWFilterConnectionStates()
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            guard let state = NWFilterConnectionStates.names.first(where: { $0.1 == item.uppercased() })?.0 else { return nil }
            states.insert(state)
        }
        return states.contains(.none) ? .none : states
    }

    static func tcpFlags(_ text: String) -> UInt8? {
        var flags: UInt8 = 0
        for item in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            guard let bits = NWFilterTCPFlags.names.first(where: { $0.1 == item.uppercased() })?.0 else { return nil }
            flags |= bits
        }
        return flags & 0x3F
    }

    static func formatTCPFlags(_ flags: UInt8) -> String {
        if flags == 0 { return "NONE" }
        if flags == 0x3F { return "ALL" }
        return NWFilterTCPFlags.names.prefix(6).filter { flags & $0.0 != 0 }.map(\.1).joined(separator: ",")
    }

    static func isIPSetNameByte(_ b: UInt8) -> Bool {
        NWFilterVariableAccess.isNameByte(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: ":") || b == UInt8(ascii: "-")
            || b == UInt8(ascii: "+") || b == UInt8(ascii: " ")
    }

    static func truncated(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = ""
        var used = 0
        for scalar in text.unicodeScalars {
            let size = String(scalar).utf8.count
            guard used + size <= limit else { break }
            out.unicodeScalars.append(scalar)
            used += size
        }
        return out
    }

    /// glibc's inet_ntop, which libvirt's virSocketAddrFormat uses: RFC 5952 text, with an
    /// IPv4-mapped or IPv4-compatible address ending in dotted quad.
    static func formatIPv6(_ address: IPv6Address) -> String {
        let b = address.bytes
        let leadingZero = b[0..<10].allSatisfy { $0 == 0 }
        let quad = "\(b[12]).\(b[13]).\(b[14]).\(b[15])"
        if leadingZero && b[10] == 0xFF && b[11] == 0xFF { return "::ffff:" + quad }
        if leadingZero && b[10] == 0 && b[11] == 0 && (b[12] != 0 || b[13] != 0) { return "::" + quad }
        return address.description
    }
}
