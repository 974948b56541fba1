import PatchbayModel

/// A BOOTP/DHCP message (RFC 2131 §2, figure 1): the fixed 236-byte header, the magic cookie
/// (RFC 2131 §3), and the options.
public struct DHCPMessage: Sendable, Hashable {
    public static let bootRequest: UInt8 = 1
    public static let bootReply: UInt8 = 2
    /// RFC 2131 §3: 99.130.83.99 marks the start of the options field.
    public static let magicCookie: [UInt8] = [99, 130, 83, 99]
    public static let headerLength = 236
    /// RFC 2131 §4.1: the flags field's leftmost bit asks for broadcast replies.
    public static let broadcastFlag: UInt16 = 0x8000

    public var op: UInt8
    public var htype: UInt8 = 1
    public var hlen: UInt8 = 6
    public var hops: UInt8 = 0
    public var xid: UInt32
    public var secs: UInt16 = 0
    public var flags: UInt16 = 0
    public var ciaddr = IPv4Address(0)
    public var yiaddr = IPv4Address(0)
    public var siaddr = IPv4Address(0)
    public var giaddr = IPv4Address(0)
    /// 16 bytes; the first `hlen` are the hardware address.
    public var chaddr: [UInt8] = Array(repeating: 0, count: 16)
    /// 64 bytes, NUL-padded (server host name, or options when overloaded).
    public var sname: [UInt8] = Array(repeating: 0, count: 64)
    /// 128 bytes, NUL-padded (boot file name, or options when overloaded).
    public var file: [UInt8] = Array(repeating: 0, count: 128)
    public var options = DHCPOptions()

    public init(op: UInt8, xid: UInt32) {
        self.op = op
        self.xid = xid
    }

    public var messageType: DHCPMessageType? { options.messageType }

    public var isBroadcastRequested: Bool { flags & Self.broadcastFlag != 0 }

    /// The client's hardware address when it is Ethernet (htype 1, hlen 6).
    public var clientMAC: MACAddress? {
        htype == 1 && hlen == 6 ? MACAddress(bytes: chaddr.prefix(6)) : nil
    }

    public mutating func setClientMAC(_ mac: MACAddress) {
        htype = 1
        hlen = 6
        chaddr = mac.bytes + Array(repeating: 0, count: 10)
    }

    public var bootFileName: String {
        String(decoding: file.prefix { $0 != 0 }, as: UTF8.self)
    }

    public mutating func setBootFileName(_ name: String) {
        let bytes = Array(name.utf8.prefix(127))
        file = bytes + Array(repeating: 0, count: 128 - bytes.count)
    }

    // MARK: - Parsing

    public static func parse(_ bytes: [UInt8]) throws(DHCPWireError) -> DHCPMessage {
        guard bytes.count >= headerLength + 4 else {
            throw DHCPWireError("\(bytes.count) bytes is shorter than the fixed header and magic cookie (240)", offset: 0)
        }
        var message = DHCPMessage(op: bytes[0], xid: bytes.uint32(at: 4))
        guard message.op == bootRequest || message.op == bootReply else {
            throw DHCPWireError("op \(message.op) is neither BOOTREQUEST nor BOOTREPLY", offset: 0)
        }
        message.htype = bytes[1]
        message.hlen = bytes[2]
        guard message.hlen <= 16 else { throw DHCPWireError("hlen \(message.hlen) exceeds the 16-byte chaddr", offset: 2) }
        message.hops = bytes[3]
        message.secs = UInt16(bytes[8]) << 8 | UInt16(bytes[9])
        message.flags = UInt16(bytes[10]) << 8 | UInt16(bytes[11])
        message.ciaddr = IPv4Address(bytes.uint32(at: 12))
        message.yiaddr = IPv4Address(bytes.uint32(at: 16))
        message.siaddr = IPv4Address(bytes.uint32(at: 20))
        message.giaddr = IPv4Address(bytes.uint32(at: 24))
        message.chaddr = Array(bytes[28..<44])
        message.sname = Array(bytes[44..<108])
        message.file = Array(bytes[108..<236])
        guard Array(bytes[236..<240]) == magicCookie else {
            throw DHCPWireError("missing the DHCP magic cookie 99.130.83.99", offset: 236)
        }
        var options = DHCPOptions()
        try parseOptions(bytes[240...], baseOffset: 240, into: &options)
        // RFC 2131 §4.1 / RFC 2132 §9.3: option 52 says file and/or sname carry options too,
        // read after the options field (file first, then sname).
        if let overload = options[DHCPOptionCode.optionOverload], overload.count == 1 {
            if overload[0] & 1 != 0 { try parseOptions(message.file[...], baseOffset: 108, into: &options) }
            if overload[0] & 2 != 0 { try parseOptions(message.sname[...], baseOffset: 44, into: &options) }
        }
        message.options = options
        return message
    }

    /// Options as code, length, value triplets (RFC 2132 §2), stopping at END; PAD is skipped.
    static func parseOptions(_ bytes: ArraySlice<UInt8>, baseOffset: Int, into options: inout DHCPOptions) throws(DHCPWireError) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let code = bytes[index]
            if code == DHCPOptionCode.pad { index += 1; continue }
            if code == DHCPOptionCode.end { return }
            guard index + 1 < bytes.endIndex else {
                throw DHCPWireError("option \(code) has no length byte", offset: baseOffset + index - bytes.startIndex)
            }
            let length = Int(bytes[index + 1])
            let start = index + 2
            guard start + length <= bytes.endIndex else {
                throw DHCPWireError("option \(code) claims \(length) bytes, \(bytes.endIndex - start) remain",
                                    offset: baseOffset + index - bytes.startIndex)
            }
            options.concatenate(code, bytes[start..<(start + length)])
            index = start + length
        }
        // RFC 2131 requires END; many clients pad and some omit it. Accepting its absence
        // costs nothing.
    }

    // MARK: - Encoding

    /// The message on the wire, padded to `minimumSize` (300 bytes: RFC 1542 §2.1 asks relays and
    /// old clients to cope with at least the BOOTP size, and some only accept that much).
    public func encoded(minimumSize: Int = 300) -> [UInt8] {
        var out: [UInt8] = [op, htype, hlen, hops]
        out += xid.bigEndianBytes
        out += [UInt8(secs >> 8), UInt8(secs & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF)]
        out += ciaddr.bytes + yiaddr.bytes + siaddr.bytes + giaddr.bytes
        out += chaddr.fitted(to: 16) + sname.fitted(to: 64) + file.fitted(to: 128)
        out += Self.magicCookie
        // Message type first: some clients look for it there.
        let ordered = options.entries.sorted { ($0.code == DHCPOptionCode.messageType ? 0 : 1) < ($1.code == DHCPOptionCode.messageType ? 0 : 1) }
        for entry in ordered {
            // RFC 3396 §7: a value longer than 255 bytes goes out as consecutive instances.
            if entry.value.isEmpty {
                out += [entry.code, 0]
                continue
            }
            var offset = 0
            while offset < entry.value.count {
                let chunk = entry.value[offset..<min(offset + 255, entry.value.count)]
                out += [entry.code, UInt8(chunk.count)]
                out += chunk
                offset += chunk.count
            }
        }
        out.append(DHCPOptionCode.end)
        if out.count < minimumSize { out += Array(repeating: 0, count: minimumSize - out.count) }
        return out
    }
}

extension Array where Element == UInt8 {
    func uint32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }

    func fitted(to length: Int) -> [UInt8] {
        count >= length ? Array(prefix(length)) : self + Array(repeating: 0, count: length - count)
    }
}

extension UInt32 {
    var bigEndianBytes: [UInt8] { [UInt8(self >> 24), UInt8(self >> 16 & 0xFF), UInt8(self >> 8 & 0xFF), UInt8(self & 0xFF)] }
}
