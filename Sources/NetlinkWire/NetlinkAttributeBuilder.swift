import NIOCore

/// Writes netlink attributes (struct nlattr: u16 nla_len, u16 nla_type, payload, padding to 4)
/// into a buffer. Nesting is a closure, and the builder fills in the nest's length when the
/// closure returns, so no caller computes an offset by hand.
public struct NetlinkAttributeBuilder: Sendable {
    public private(set) var buffer: ByteBuffer

    public init() { buffer = ByteBufferAllocator().buffer(capacity: 64) }

    public init(buffer: ByteBuffer) { self.buffer = buffer }

    /// Raw payload bytes. Integers below are written in host order (`withUnsafeBytes(of:)`),
    /// which is netlink's byte order.
    public mutating func append(_ type: UInt16, bytes: some Collection<UInt8>) {
        let length = 4 + bytes.count
        buffer.writeInteger(UInt16(length), endianness: .host)
        buffer.writeInteger(type, endianness: .host)
        buffer.writeBytes(bytes)
        pad(length)
    }

    public mutating func append(_ type: UInt16, uint8 value: UInt8) { append(type, bytes: [value]) }

    public mutating func append(_ type: UInt16, uint16 value: UInt16) {
        append(type, bytes: withUnsafeBytes(of: value) { Array($0) })
    }

    public mutating func append(_ type: UInt16, uint32 value: UInt32) {
        append(type, bytes: withUnsafeBytes(of: value) { Array($0) })
    }

    public mutating func append(_ type: UInt16, int32 value: Int32) {
        append(type, uint32: UInt32(bitPattern: value))
    }

    /// A NUL-terminated string, as the kernel's NLA_STRING and NLA_NUL_STRING policies expect.
    public mutating func append(_ type: UInt16, string: String) {
        append(type, bytes: Array(string.utf8) + [0])
    }

    /// A string without terminator: iproute2 writes IFLA_INFO_KIND this way and the kernel's
    /// NLA_STRING policy accepts both forms, so matching iproute2 keeps requests byte-comparable.
    public mutating func append(_ type: UInt16, unterminatedString string: String) {
        append(type, bytes: Array(string.utf8))
    }

    /// An attribute whose payload is more attributes (or, with `header`, a fixed struct followed
    /// by attributes, as VETH_INFO_PEER carries an ifinfomsg).
    public mutating func nest(_ type: UInt16, header: [UInt8] = [],
                              _ body: (inout NetlinkAttributeBuilder) -> Void) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt16(0), endianness: .host)
        buffer.writeInteger(type, endianness: .host)
        buffer.writeBytes(header)
        body(&self)
        let length = buffer.writerIndex - start
        buffer.setInteger(UInt16(length), at: start, endianness: .host)
    }

    private mutating func pad(_ length: Int) {
        let padding = netlinkAlign(length) - length
        if padding > 0 { buffer.writeRepeatingByte(0, count: padding) }
    }

    public var bytes: [UInt8] { Array(buffer.readableBytesView) }
}
