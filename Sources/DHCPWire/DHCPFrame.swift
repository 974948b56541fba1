import PatchbayModel

/// A DHCP datagram as it crossed the bridge port: Ethernet II (RFC 894), IPv4 (RFC 791) and UDP
/// (RFC 768) around the DHCP message. The server reads requests at this layer, so that it knows
/// the Ethernet source and the port a request really came in on rather than what the message
/// claims.
///
/// Checksums are not verified: a frame from a local veth or TAP may carry a partial checksum
/// that the kernel never completes (CHECKSUM_PARTIAL), and the server decides on where the frame
/// came from, not on whether a guest computed a sum. Encoding fills both checksums in.
public struct DHCPFrame: Sendable, Hashable {
    public static let ethertypeIPv4: UInt16 = 0x0800
    public static let protocolUDP: UInt8 = 17

    public var ethernetDestination: MACAddress
    public var ethernetSource: MACAddress
    public var ipSource: IPv4Address
    public var ipDestination: IPv4Address
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var payload: [UInt8]

    public init(ethernetDestination: MACAddress, ethernetSource: MACAddress, ipSource: IPv4Address, ipDestination: IPv4Address,
                sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) {
        self.ethernetDestination = ethernetDestination
        self.ethernetSource = ethernetSource
        self.ipSource = ipSource
        self.ipDestination = ipDestination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.payload = payload
    }

    /// Reads a frame; anything that is not an unfragmented IPv4 UDP datagram is refused, as is
    /// any length field that points past the frame. Trailing bytes (Ethernet padding) are ignored.
    public static func parse(_ frame: [UInt8]) throws(DHCPWireError) -> DHCPFrame {
        guard frame.count >= 14 + 20 + 8 else { throw DHCPWireError("frame of \(frame.count) bytes is too short for IPv4 and UDP", offset: 0) }
        guard UInt16(frame[12]) << 8 | UInt16(frame[13]) == ethertypeIPv4 else {
            throw DHCPWireError("not IPv4 (ethertype 0x\(String(UInt16(frame[12]) << 8 | UInt16(frame[13]), radix: 16)))", offset: 12)
        }
        let ip = 14
        guard frame[ip] >> 4 == 4 else { throw DHCPWireError("IP version \(frame[ip] >> 4)", offset: ip) }
        let headerLength = Int(frame[ip] & 0x0F) * 4
        guard headerLength >= 20 else { throw DHCPWireError("IPv4 header length \(headerLength)", offset: ip) }
        let totalLength = Int(frame[ip + 2]) << 8 | Int(frame[ip + 3])
        guard totalLength >= headerLength + 8, ip + totalLength <= frame.count else {
            throw DHCPWireError("IPv4 total length \(totalLength) does not fit the frame", offset: ip + 2)
        }
        let fragment = UInt16(frame[ip + 6]) << 8 | UInt16(frame[ip + 7])
        guard fragment & 0x3FFF == 0 else { throw DHCPWireError("a fragment", offset: ip + 6) }
        guard frame[ip + 9] == protocolUDP else { throw DHCPWireError("IP protocol \(frame[ip + 9]), not UDP", offset: ip + 9) }
        let udp = ip + headerLength
        let udpLength = Int(frame[udp + 4]) << 8 | Int(frame[udp + 5])
        guard udpLength >= 8, udp + udpLength <= ip + totalLength else {
            throw DHCPWireError("UDP length \(udpLength) does not fit the datagram", offset: udp + 4)
        }
        return DHCPFrame(ethernetDestination: MACAddress(bytes: frame[0..<6])!, ethernetSource: MACAddress(bytes: frame[6..<12])!,
                         ipSource: IPv4Address(readUInt32(frame, ip + 12)), ipDestination: IPv4Address(readUInt32(frame, ip + 16)),
                         sourcePort: UInt16(frame[udp]) << 8 | UInt16(frame[udp + 1]),
                         destinationPort: UInt16(frame[udp + 2]) << 8 | UInt16(frame[udp + 3]),
                         payload: Array(frame[(udp + 8)..<(udp + udpLength)]))
    }

    /// The frame, with a 20-byte IPv4 header (TTL 64, DF) and both checksums.
    public func encoded() -> [UInt8] {
        let udpLength = 8 + payload.count
        let totalLength = 20 + udpLength
        var out = ethernetDestination.bytes + ethernetSource.bytes + [UInt8(Self.ethertypeIPv4 >> 8), UInt8(Self.ethertypeIPv4 & 0xFF)]
        var header: [UInt8] = [0x45, 0, UInt8(totalLength >> 8 & 0xFF), UInt8(totalLength & 0xFF), 0, 0, 0x40, 0, 64, Self.protocolUDP, 0, 0]
        header += ipSource.bytes + ipDestination.bytes
        let headerSum = Self.checksum(header)
        header[10] = UInt8(headerSum >> 8)
        header[11] = UInt8(headerSum & 0xFF)
        var segment: [UInt8] = [UInt8(sourcePort >> 8), UInt8(sourcePort & 0xFF), UInt8(destinationPort >> 8), UInt8(destinationPort & 0xFF),
                                UInt8(udpLength >> 8 & 0xFF), UInt8(udpLength & 0xFF), 0, 0] + payload
        let pseudo = ipSource.bytes + ipDestination.bytes + [0, Self.protocolUDP, UInt8(udpLength >> 8 & 0xFF), UInt8(udpLength & 0xFF)]
        var udpSum = Self.checksum(pseudo + segment)
        if udpSum == 0 { udpSum = 0xFFFF }  // RFC 768: zero means "no checksum"
        segment[6] = UInt8(udpSum >> 8)
        segment[7] = UInt8(udpSum & 0xFF)
        out += header + segment
        return out
    }

    /// The Internet checksum (RFC 1071) of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum &+= UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum &+= UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) &+ (sum >> 16) }
        return ~UInt16(sum)
    }

    private static func readUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
