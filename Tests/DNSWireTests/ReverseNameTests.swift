import DNSWire
import PatchbayModel
import Testing

/// RFC 1035 §3.5 (in-addr.arpa) and RFC 3596 §2.5 (ip6.arpa).
@Suite struct ReverseNameTests {
    @Test func ipv4() throws {
        let address = try #require(IPAddress("192.168.0.1"))
        let reverse = DNSName(reverseFor: address)
        #expect(reverse.description == "1.0.168.192.in-addr.arpa")
        #expect(reverse.ipAddress == address)
        #expect(DNSName(reverseFor: try #require(IPAddress("10.0.0.255"))).description == "255.0.0.10.in-addr.arpa")
    }

    /// The example of RFC 3596 §2.5, for 4321:0:1:2:3:4:567:89ab.
    @Test func ipv6() throws {
        let address = try #require(IPAddress("4321:0:1:2:3:4:567:89ab"))
        let reverse = DNSName(reverseFor: address)
        #expect(reverse.description == "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa")
        #expect(reverse.ipAddress == address)
        #expect(reverse.wireLength == 74)  // 32 × 2 + "ip6" 4 + "arpa" 5 + root
        let loopback = try #require(IPAddress("::1"))
        #expect(DNSName(reverseFor: loopback).description == "1" + String(repeating: ".0", count: 31) + ".ip6.arpa")
    }

    @Test func parsedNamesMapBack() throws {
        #expect(try DNSName("5.122.168.192.IN-ADDR.ARPA.").ipAddress == IPAddress("192.168.122.5"))
        let upper = "B.A.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.IP6.ARPA"
        #expect(try DNSName(upper).ipAddress == IPAddress("4321:0:1:2:3:4:567:89ab"))
    }

    @Test func otherNamesAreNotAddresses() throws {
        #expect(try DNSName("example.com").ipAddress == nil)
        #expect(try DNSName("122.168.192.in-addr.arpa").ipAddress == nil)  // a zone, not an address
        #expect(try DNSName("x.1.168.192.in-addr.arpa").ipAddress == nil)
        #expect(try DNSName("256.1.168.192.in-addr.arpa").ipAddress == nil)
        #expect(try DNSName("01.1.168.192.in-addr.arpa").ipAddress == nil)
        #expect(try DNSName("1.2.3.4.5.in-addr.arpa").ipAddress == nil)
        #expect(try DNSName("1.2.3.4.in-addr.arpa.example").ipAddress == nil)
        let nibbles = String(repeating: "0.", count: 31)
        #expect(try DNSName(nibbles + "g.ip6.arpa").ipAddress == nil)
        #expect(try DNSName(nibbles + "10.ip6.arpa").ipAddress == nil)
        #expect(try DNSName(nibbles + "ip6.arpa").ipAddress == nil)
    }
}
