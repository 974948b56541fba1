import NIOCore

/// One netlink message: struct nlmsghdr (u32 len, u16 type, u16 flags, u32 seq, u32 pid) and its
/// payload, which for rtnetlink is a fixed family header followed by attributes.
public struct NetlinkMessage: Sendable, Hashable {
    public static let headerLength = 16

    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    public var portID: UInt32
    public var payload: [UInt8]

    public init(type: UInt16, flags: UInt16, sequence: UInt32 = 0, portID: UInt32 = 0, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// The message as the kernel expects it on the socket, padded to 4 bytes.
    public func encoded() -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: netlinkAlign(Self.headerLength + payload.count))
        buffer.writeInteger(UInt32(Self.headerLength + payload.count), endianness: .host)
        buffer.writeInteger(type, endianness: .host)
        buffer.writeInteger(flags, endianness: .host)
        buffer.writeInteger(sequence, endianness: .host)
        buffer.writeInteger(portID, endianness: .host)
        buffer.writeBytes(payload)
        let padding = netlinkAlign(buffer.readableBytes) - buffer.readableBytes
        if padding > 0 { buffer.writeRepeatingByte(0, count: padding) }
        return Array(buffer.readableBytesView)
    }

    /// Splits one received datagram into its messages (a dump packs several into one read).
    public static func parseAll(_ bytes: [UInt8]) throws(NetlinkWireError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while bytes.count - offset >= headerLength {
            let length = Int(bytes.hostUInt32(at: offset))
            guard length >= headerLength else {
                throw NetlinkWireError("message length \(length) is shorter than nlmsghdr", offset: offset)
            }
            guard offset + length <= bytes.count else {
                throw NetlinkWireError("message claims \(length) bytes, \(bytes.count - offset) remain", offset: offset)
            }
            messages.append(NetlinkMessage(
                type: bytes.hostUInt16(at: offset + 4),
                flags: bytes.hostUInt16(at: offset + 6),
                sequence: bytes.hostUInt32(at: offset + 8),
                portID: bytes.hostUInt32(at: offset + 12),
                payload: Array(bytes[(offset + headerLength)..<(offset + length)])))
            offset += netlinkAlign(length)
        }
        if offset < bytes.count && bytes.count - offset >= 4 {
            throw NetlinkWireError("\(bytes.count - offset) trailing bytes after the last message", offset: offset)
        }
        return messages
    }
}
