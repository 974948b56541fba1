import PatchbayModel
import Testing

@Suite struct IPv4AddressTests {
    @Test(arguments: ["0.0.0.0", "192.168.122.1", "255.255.255.255", "10.24.10.1"])
    func roundTrips(_ text: String) throws {
        #expect(try #require(IPv4Address(text)).description == text)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "a.b.c.d", "1.2.3.4 ", "-1.2.3.4", "1.2.3.4/24"])
    func rejects(_ text: String) {
        #expect(IPv4Address(text) == nil)
    }

    @Test func bytesAreNetworkOrder() {
        #expect(IPv4Address("192.168.152.1")!.bytes == [192, 168, 152, 1])
        #expect(IPv4Address(bytes: [10, 0, 0, 1]) == IPv4Address("10.0.0.1"))
        #expect(IPv4Address(bytes: [1, 2, 3]) == nil)
    }

    @Test func netmasks() {
        #expect(IPv4Address("255.255.255.0")!.netmaskPrefixLength == 24)
        #expect(IPv4Address("255.255.255.255")!.netmaskPrefixLength == 32)
        #expect(IPv4Address("0.0.0.0")!.netmaskPrefixLength == 0)
        #expect(IPv4Address("255.0.255.0")!.netmaskPrefixLength == nil)
        for length in 0...32 { #expect(IPv4Address.netmask(prefixLength: length).netmaskPrefixLength == length) }
    }
}

@Suite struct IPv6AddressTests {
    @Test(arguments: [
        ("2001:db8:ac10:fe01::1", "2001:db8:ac10:fe01::1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("fe80::", "fe80::"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // RFC 5952 §4.2.3: first of equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // §4.2.2: a single zero group stays
        ("::ffff:192.168.1.1", "::ffff:c0a8:101"),
    ])
    func canonicalForm(_ input: String, _ expected: String) throws {
        #expect(try #require(IPv6Address(input)).description == expected)
    }

    @Test(arguments: ["", ":", ":::", "1::2::3", "12345::", "g::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1.2.3.4"])
    func rejects(_ text: String) {
        #expect(IPv6Address(text) == nil)
    }
}

@Suite struct InterfaceAddressTests {
    @Test func parsesAndComputesBroadcast() throws {
        let address = try #require(InterfaceAddress("192.168.122.1/24"))
        #expect(address.prefixLength == 24)
        #expect(address.ipv4Broadcast == IPv4Address("192.168.122.255"))
        #expect(InterfaceAddress("10.0.0.1/31")?.ipv4Broadcast == nil)
        #expect(InterfaceAddress("2001:db8::1/64")?.ipv4Broadcast == nil)
        #expect(InterfaceAddress("10.0.0.1/33") == nil)
        #expect(InterfaceAddress("2001:db8::1/129") == nil)
        #expect(InterfaceAddress("10.0.0.1") == nil)
    }
}

@Suite struct MACAddressTests {
    @Test func normalisesToLowerCase() {
        #expect(MACAddress("52:54:00:17:3F:37")?.description == "52:54:00:17:3f:37")
        #expect(MACAddress("2:0:0:0:0:1")?.description == "02:00:00:00:00:01")
    }

    @Test(arguments: ["", "52:54:00:17:3f", "52:54:00:17:3f:37:00", "52-54-00-17-3f-37", "zz:54:00:17:3f:37", "525:4:00:17:3f:37"])
    func rejects(_ text: String) {
        #expect(MACAddress(text) == nil)
    }

    @Test func generatedAddressesUseLibvirtsPrefixAndAreUnicast() {
        for _ in 0..<100 {
            let mac = MACAddress.randomLibvirt()
            #expect(Array(mac.bytes.prefix(3)) == [0x52, 0x54, 0x00])
            #expect(!mac.isMulticast)
        }
        #expect(MACAddress("01:00:5e:00:00:01")!.isMulticast)
    }
}

@Suite struct NetworkUUIDTests {
    @Test func parsesLibvirtForms() {
        let canonical = "81ff0d90-c91e-6742-64da-4a736edb9a9b"
        #expect(NetworkUUID(canonical)?.description == canonical)
        #expect(NetworkUUID("81FF0D90C91E674264DA4A736EDB9A9B")?.description == canonical)
        #expect(NetworkUUID("  81ff0d90-c91e-6742-64da-4a736edb9a9b  ")?.description == canonical)
    }

    @Test(arguments: ["", "81ff0d90-c91e-6742-64da-4a736edb9a9", "81ff0d90-c91e-6742-64da-4a736edb9a9bb", "x1ff0d90-c91e-6742-64da-4a736edb9a9b",
                      "-81ff0d90c91e674264da4a736edb9a9b", "81ff0d90-c91e-6742-64da-4a736edb9a9b x"])
    func rejects(_ text: String) {
        #expect(NetworkUUID(text) == nil)
    }

    @Test func randomIsVersion4() {
        let uuid = NetworkUUID.random()
        #expect(uuid.bytes[6] >> 4 == 4)
        #expect(uuid.bytes[8] >> 6 == 2)
        #expect(NetworkUUID(uuid.description) == uuid)
        #expect(NetworkUUID.random() != uuid)
    }
}

@Suite struct PatchbayErrorTests {
    @Test func statusesAndDescription() {
        #expect(PatchbayError(.notFound, "x").httpStatus == 404)
        #expect(PatchbayError(.alreadyExists, "x").httpStatus == 409)
        #expect(PatchbayError(.operationInvalid, "x").httpStatus == 409)
        #expect(PatchbayError(.invalidArgument, "x").httpStatus == 400)
        #expect(PatchbayError(.kernel, "x").httpStatus == 500)
        #expect(PatchbayError(.kernel, "create bridge virbr0", cause: "File exists").description == "create bridge virbr0: File exists")
    }
}

@Suite struct SubnetTests {
    /// The integer fast path for IPv4 agrees with masking bytes, at every prefix length, and
    /// never matches across families.
    @Test func subnetMembershipAgreesWithMasking() {
        var generator = SystemRandomNumberGenerator()
        for prefix in 0...32 {
            for _ in 0..<50 {
                let network = IPAddress.v4(IPv4Address(UInt32.random(in: 0 ... .max, using: &generator)))
                let near = IPAddress.v4(IPv4Address(UInt32.random(in: 0 ... .max, using: &generator)))
                let expected = near.masked(to: prefix) == network.masked(to: prefix)
                #expect(near.isInSubnet(of: network, prefixLength: prefix) == expected)
                #expect(network.isInSubnet(of: network, prefixLength: prefix))
            }
        }
        #expect(IPAddress("10.0.0.1")!.isInSubnet(of: IPAddress("10.0.0.0")!, prefixLength: 8))
        #expect(!IPAddress("11.0.0.1")!.isInSubnet(of: IPAddress("10.0.0.0")!, prefixLength: 8))
        #expect(!IPAddress("::ffff:10.0.0.1")!.isInSubnet(of: IPAddress("10.0.0.0")!, prefixLength: 8))
    }
}
