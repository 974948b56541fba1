import NIOCore

/// One parsed netlink attribute. `type` has NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off;
/// `isNested` keeps the former for callers that care.
public struct NetlinkAttribute: Sendable, Hashable {
    public var type: UInt16
    public var isNested: Bool
    public var payload: [UInt8]

    public init(type: UInt16, isNested: Bool = false, payload: [UInt8]) {
        self.type = type
        self.isNested = isNested
        self.payload = payload
    }

    /// Parses a run of attributes. Trailing padding shorter than an attribute header is
    /// accepted, as the kernel's nla_for_each_attr does.
    public static func parse(_ bytes: some Collection<UInt8>, baseOffset: Int = 0) throws(NetlinkWireError) -> [NetlinkAttribute] {
        let bytes = Array(bytes)
        var attributes: [NetlinkAttribute] = []
        var offset = 0
        while bytes.count - offset >= 4 {
            let length = Int(bytes.hostUInt16(at: offset))
            let rawType = bytes.hostUInt16(at: offset + 2)
            guard length >= 4 else {
                throw NetlinkWireError("attribute length \(length) is shorter than its header", offset: baseOffset + offset)
            }
            guard offset + length <= bytes.count else {
                throw NetlinkWireError("attribute type \(rawType & NetlinkConstants.NLA_TYPE_MASK) claims \(length) bytes, \(bytes.count - offset) remain",
                                       offset: baseOffset + offset)
            }
            attributes.append(NetlinkAttribute(
                type: rawType & NetlinkConstants.NLA_TYPE_MASK,
                isNested: rawType & NetlinkConstants.NLA_F_NESTED != 0,
                payload: Array(bytes[(offset + 4)..<(offset + length)])))
            offset += netlinkAlign(length)
        }
        return attributes
    }

    public var uint8: UInt8? { payload.count >= 1 ? payload[0] : nil }
    public var uint16: UInt16? { payload.count >= 2 ? payload.hostUInt16(at: 0) : nil }
    public var uint32: UInt32? { payload.count >= 4 ? payload.hostUInt32(at: 0) : nil }
    public var uint64: UInt64? { payload.count >= 8 ? payload.hostUInt64(at: 0) : nil }

    /// A string attribute without its NUL terminator (and anything after it).
    public var string: String {
        let end = payload.firstIndex(of: 0) ?? payload.count
        return String(decoding: payload[0..<end], as: UTF8.self)
    }

    public func nested() throws(NetlinkWireError) -> [NetlinkAttribute] {
        try NetlinkAttribute.parse(payload)
    }
}

extension Array where Element == NetlinkAttribute {
    public func first(_ type: UInt16) -> NetlinkAttribute? { first { $0.type == type } }
}

extension Array where Element == UInt8 {
    // Netlink fields are in host byte order; loading through the raw buffer reads them as such.
    func hostUInt16(at offset: Int) -> UInt16 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt16.self) }
    }

    func hostUInt32(at offset: Int) -> UInt32 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    }

    func hostUInt64(at offset: Int) -> UInt64 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
    }

    func hostInt32(at offset: Int) -> Int32 { Int32(bitPattern: hostUInt32(at: offset)) }
}
