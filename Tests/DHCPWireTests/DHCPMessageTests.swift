import DHCPWire
import PatchbayModel
import Testing

@Suite struct DHCPMessageTests {
    /// A DHCPDISCOVER as udhcpc sends it (fields per RFC 2131 figure 1).
    static func discoverBytes(options: [UInt8] = [53, 1, 1, 61, 7, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 55, 3, 1, 3, 6, 255]) -> [UInt8] {
        var bytes: [UInt8] = [
            1, 1, 6, 0,  // op BOOTREQUEST, htype Ethernet, hlen 6, hops 0
            0xde, 0xad, 0xbe, 0xef,  // xid
            0, 3, 0x80, 0,  // secs 3, flags: broadcast
        ]
        bytes += [UInt8](repeating: 0, count: 16)  // ciaddr, yiaddr, siaddr, giaddr
        bytes += [0x52, 0x54, 0, 0x12, 0x34, 0x56] + [UInt8](repeating: 0, count: 10)  // chaddr
        bytes += [UInt8](repeating: 0, count: 64 + 128)  // sname, file
        bytes += [99, 130, 83, 99]  // magic cookie
        return bytes + options
    }

    @Test func parsesADiscover() throws {
        let message = try DHCPMessage.parse(Self.discoverBytes())
        #expect(message.op == DHCPMessage.bootRequest)
        #expect(message.xid == 0xdeadbeef)
        #expect(message.secs == 3)
        #expect(message.isBroadcastRequested)
        #expect(message.clientMAC == MACAddress("52:54:00:12:34:56"))
        #expect(message.messageType == .discover)
        #expect(message.options.clientIdentifier == [1, 0x52, 0x54, 0, 0x12, 0x34, 0x56])
        #expect(message.options.parameterRequestList == [1, 3, 6])
        #expect(message.options.codes == [53, 61, 55])
    }

    @Test func encodesTheFixedLayoutAndPadsTo300() throws {
        var reply = DHCPMessage(op: DHCPMessage.bootReply, xid: 0x01020304)
        reply.setClientMAC(MACAddress("52:54:00:12:34:56")!)
        reply.yiaddr = IPv4Address("192.168.122.10")!
        reply.siaddr = IPv4Address("192.168.122.1")!
        reply.setBootFileName("pxelinux.0")
        reply.options.messageType = .offer
        reply.options.setAddress(DHCPOptionCode.serverIdentifier, IPv4Address("192.168.122.1"))
        reply.options.setUInt32(DHCPOptionCode.leaseTime, 3600)
        let bytes = reply.encoded()
        #expect(bytes.count == 300)
        #expect(Array(bytes[0..<8]) == [2, 1, 6, 0, 1, 2, 3, 4])
        #expect(Array(bytes[16..<24]) == [192, 168, 122, 10, 192, 168, 122, 1])  // yiaddr, siaddr
        #expect(Array(bytes[28..<34]) == [0x52, 0x54, 0, 0x12, 0x34, 0x56])
        #expect(Array(bytes[108..<118]) == Array("pxelinux.0".utf8))
        #expect(Array(bytes[236..<240]) == [99, 130, 83, 99])
        // Message type first, then the others in insertion order, then END.
        #expect(Array(bytes[240..<258]) == [53, 1, 2, 54, 4, 192, 168, 122, 1, 51, 4, 0, 0, 0x0e, 0x10, 255, 0, 0])
        #expect(try DHCPMessage.parse(bytes) == reply)
    }

    @Test func longOptionsAreSplitAndConcatenated() throws {
        // RFC 3396 §7: a 300-byte value goes out as 255 + 45 and is read back whole.
        var message = DHCPMessage(op: DHCPMessage.bootReply, xid: 1)
        let long = (0..<300).map { UInt8($0 % 251) }
        message.options[DHCPOptionCode.domainSearch] = long
        let bytes = message.encoded()
        #expect(bytes[240] == 119 && bytes[241] == 255)
        #expect(bytes[240 + 2 + 255] == 119 && bytes[240 + 2 + 255 + 1] == 45)
        #expect(try DHCPMessage.parse(bytes).options[DHCPOptionCode.domainSearch] == long)
    }

    @Test func repeatedOptionsAreConcatenated() throws {
        let message = try DHCPMessage.parse(Self.discoverBytes(options: [53, 1, 1, 12, 3, 97, 98, 99, 12, 2, 100, 101, 255]))
        #expect(message.options.string(DHCPOptionCode.hostName) == "abcde")
    }

    @Test func optionOverloadReadsFileThenSname() throws {
        var bytes = Self.discoverBytes(options: [53, 1, 1, 52, 1, 3, 255])
        bytes.replaceSubrange(108..<114, with: [12, 3, 102, 111, 111, 255])  // file: host name "foo"
        bytes.replaceSubrange(44..<51, with: [15, 4, 116, 101, 115, 116, 255])  // sname: domain "test"
        let message = try DHCPMessage.parse(bytes)
        #expect(message.options.string(DHCPOptionCode.hostName) == "foo")
        #expect(message.options.string(DHCPOptionCode.domainName) == "test")
    }

    @Test func padAndMissingEndAreTolerated() throws {
        let message = try DHCPMessage.parse(Self.discoverBytes(options: [0, 0, 53, 1, 3, 0, 50, 4, 10, 0, 0, 5]))
        #expect(message.messageType == .request)
        #expect(message.options.address(DHCPOptionCode.requestedIPAddress) == IPv4Address("10.0.0.5"))
    }

    @Test func typedAccessorsRefuseWrongLengths() throws {
        let message = try DHCPMessage.parse(Self.discoverBytes(options: [53, 2, 1, 1, 50, 3, 10, 0, 0, 51, 2, 0, 1, 255]))
        #expect(message.messageType == nil)
        #expect(message.options.address(DHCPOptionCode.requestedIPAddress) == nil)
        #expect(message.options.uint32(DHCPOptionCode.leaseTime) == nil)
    }

    @Test(arguments: [
        ([UInt8](repeating: 0, count: 100), "100 bytes is shorter than the fixed header and magic cookie (240)", 0),
        (Array(discoverBytes().prefix(236)) + [1, 2, 3, 4], "missing the DHCP magic cookie 99.130.83.99", 236),
        (discoverBytes(options: [53, 1, 1, 12, 9, 97]), "option 12 claims 9 bytes, 1 remain", 243),
        (discoverBytes(options: [53, 1, 1, 12]), "option 12 has no length byte", 243),
    ])
    func rejectsMalformedPackets(_ bytes: [UInt8], _ message: String, _ offset: Int) {
        let error = #expect(throws: DHCPWireError.self) { try DHCPMessage.parse(bytes) }
        #expect(error?.what == message)
        #expect(error?.offset == offset)
    }

    @Test func rejectsBadOpAndHardwareLength() {
        var bytes = Self.discoverBytes()
        bytes[0] = 3
        #expect((#expect(throws: DHCPWireError.self) { try DHCPMessage.parse(bytes) })?.offset == 0)
        bytes = Self.discoverBytes()
        bytes[2] = 17
        #expect((#expect(throws: DHCPWireError.self) { try DHCPMessage.parse(bytes) })?.offset == 2)
    }
}

@Suite struct DHCPOptionEncodingTests {
    @Test func domainSearchCompressesSharedSuffixes() {
        // RFC 3397 §2's example: "eng.apple.com" and "marketing.apple.com".
        let encoded = DHCPOptionEncodings.domainSearch(["eng.apple.com", "marketing.apple.com"])
        let expected: [UInt8] = [3] + Array("eng".utf8) + [5] + Array("apple".utf8) + [3] + Array("com".utf8) + [0]
            + [9] + Array("marketing".utf8) + [0xC0, 0x04]
        #expect(encoded == expected)
    }

    @Test func classlessRoutesUseSignificantOctetsOnly() {
        // RFC 3442 §2: 10.17.0.0/16 via 10.0.0.1 is 16 10 17 10 0 0 1; the default route 0 + router.
        let encoded = DHCPOptionEncodings.classlessStaticRoutes([
            (IPv4Address("0.0.0.0")!, 0, IPv4Address("192.168.1.1")!),
            (IPv4Address("10.17.0.0")!, 16, IPv4Address("10.0.0.1")!),
            (IPv4Address("10.27.129.0")!, 24, IPv4Address("10.0.0.1")!),
        ])
        #expect(encoded == [0, 192, 168, 1, 1, 16, 10, 17, 10, 0, 0, 1, 24, 10, 27, 129, 10, 0, 0, 1])
    }
}
