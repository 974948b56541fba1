import Glibc
import Netlink
import NetlinkWire
import PatchbayModel
import PatchbayTestSupport
import Testing

@Suite("Netlink addresses (root, namespaces)")
struct NetlinkAddressTests {
    @Test func addListAndDeleteIPv4AndIPv6() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            try session.createBridge(name: "pbaddr", stp: false, forwardDelaySeconds: 0)
            let v4 = try #require(InterfaceAddress("192.168.152.1/24"))
            let v6 = try #require(InterfaceAddress("2001:db8:ac10:fe01::1/64"))
            try session.addAddress(v4, to: "pbaddr")
            try session.addAddress(v6, to: "pbaddr")

            let entries = try session.addresses(of: "pbaddr")
            #expect(entries.map(\.address).contains(v4))
            #expect(entries.map(\.address).contains(v6))
            #expect(entries.first { $0.address == v4 }?.broadcast == IPv4Address("192.168.152.255"))
            #expect(Set(try ns.addresses("pbaddr")).isSuperset(of: ["192.168.152.1/24", "2001:db8:ac10:fe01::1/64"]))
            let ipInfo = try ns.ipJSON(["addr", "show", "dev", "pbaddr"]).first?["addr_info"] as? [[String: Any]]
            #expect(ipInfo?.first { $0["local"] as? String == "192.168.152.1" }?["broadcast"] as? String == "192.168.152.255")

            let error = #expect(throws: NetlinkError.self) { try session.addAddress(v4, to: "pbaddr") }
            #expect(error?.errno == EEXIST)

            try session.deleteAddress(v4, from: "pbaddr")
            try session.deleteAddress(v6, from: "pbaddr")
            #expect(try session.addresses(of: "pbaddr").filter { $0.address == v4 || $0.address == v6 }.isEmpty)
            #expect(try ns.addresses("pbaddr").filter { $0.hasPrefix("192.168.152.1") }.isEmpty)
        }
    }

    @Test func operationsOnAMissingDeviceNameIt() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            let error = #expect(throws: NetlinkError.self) {
                try session.addAddress(InterfaceAddress("10.0.0.1/24")!, to: "nosuchdev")
            }
            #expect(error?.errno == ENODEV)
            #expect(error?.description.contains("nosuchdev") == true)
        }
    }
}
