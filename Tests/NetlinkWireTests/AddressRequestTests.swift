import NetlinkWire
import PatchbayModel
import Testing

@Suite struct AddressRequestTests {
    @Test func addIPv4MatchesIPAddrAddWithBroadcast() {
        // ip addr add 192.168.152.1/24 brd + dev br0 (index 2)
        let message = AddressRequest.add(InterfaceAddress("192.168.152.1/24")!, interfaceIndex: 2)
        let expected: [UInt8] = [
            0x30, 0x00, 0x00, 0x00,  // nlmsg_len 48
            0x14, 0x00,  // RTM_NEWADDR
            0x05, 0x06,  // REQUEST|ACK|EXCL|CREATE
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // seq, pid
            0x02, 0x18, 0x00, 0x00,  // ifa_family AF_INET, ifa_prefixlen 24, ifa_flags 0, ifa_scope universe
            0x02, 0x00, 0x00, 0x00,  // ifa_index 2
            0x08, 0x00, 0x02, 0x00, 0xc0, 0xa8, 0x98, 0x01,  // IFA_LOCAL 192.168.152.1
            0x08, 0x00, 0x01, 0x00, 0xc0, 0xa8, 0x98, 0x01,  // IFA_ADDRESS 192.168.152.1
            0x08, 0x00, 0x04, 0x00, 0xc0, 0xa8, 0x98, 0xff,  // IFA_BROADCAST 192.168.152.255
        ]
        #expect(message.encoded() == expected)
    }

    @Test func addIPv6UsesNoDADAndNoBroadcast() {
        let bytes = AddressRequest.add(InterfaceAddress("2001:db8::1/64")!, interfaceIndex: 5).encoded()
        #expect(bytes[16] == 10)  // AF_INET6
        #expect(bytes[17] == 64)  // prefix
        #expect(bytes[18] == 0x02)  // IFA_F_NODAD
        #expect(bytes[20] == 5)
        let v6: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
        #expect(Array(bytes[24...]) == [0x14, 0x00, 0x02, 0x00] + v6 + [0x14, 0x00, 0x01, 0x00] + v6)
    }

    @Test func deleteCarriesNoBroadcast() {
        let bytes = AddressRequest.delete(InterfaceAddress("10.0.0.1/8")!, interfaceIndex: 1).encoded()
        #expect(bytes[4] == 21)  // RTM_DELADDR
        #expect(bytes[6] == 0x05 && bytes[7] == 0x00)  // REQUEST|ACK
        #expect(bytes.count == 40)
    }

    @Test func dumpRequest() {
        #expect(AddressRequest.dump().encoded()
                == [0x18, 0, 0, 0, 0x16, 0, 0x01, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }
}
