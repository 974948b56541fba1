import Netlink
import NetlinkWire
import PatchbayEngine
import PatchbayKernel
import PatchbayModel
import PatchbayTestSupport
import Testing

/// `iface-bridge` on a real kernel: the "NIC" `eno1` is one end of a veth pair in a fresh host
/// namespace; its other end (`lan0`, 192.0.2.1 and 2001:db8::1) is in a LAN namespace and is the
/// default gateway. A ping from the LAN to the NIC's address runs while the bridge is made and
/// taken apart.
@Suite("Interface bridge (root, namespaces)", .serialized)
struct InterfaceBridgeKernelTests {
    static func withHostAndLAN<T>(_ body: (TestNamespace, TestNamespace) async throws -> T) async throws -> T {
        try await TestNamespace.with { host in
            try await HostNICLAN.with(host: host) { lan in try await body(host, lan) }
        }
    }

    @Test func bridgeAndUnbridgeKeepThePingAndTheRoutes() async throws {
        try await Self.withHostAndLAN { host, lan in
            let session = try NetlinkSession(namespacePath: host.path)
            let bridger = KernelInterfaceBridge(links: KernelLinks(session: session))
            let nicMAC = try #require(try session.link(named: "eno1")?.mac)

            let bridged = try await HostNICLAN.pingLoss(from: lan) {
                try await bridger.bridge(nic: "eno1", bridge: "br0", stp: true, delaySeconds: 0)
            }
            print("iface-bridge: ping sent \(bridged.sent), received \(bridged.received), lost \(bridged.sent - bridged.received)")
            #expect(bridged.sent - bridged.received <= 1)

            // Netlink's view.
            let bridge = try #require(try session.link(named: "br0"))
            #expect(bridge.mac == nicMAC)
            #expect(bridge.alias == "patchbay:host-bridge:eno1")
            #expect(try session.link(named: "eno1")?.masterIndex == bridge.index)
            let bridgeAddresses = try session.addresses(of: "br0").map(\.address.description)
            #expect(bridgeAddresses.contains("192.0.2.10/24") && bridgeAddresses.contains("2001:db8::10/64"))
            #expect(try session.addresses(of: "eno1").allSatisfy { $0.scope == NetlinkConstants.RT_SCOPE_LINK })
            let routes = try session.routes(ofInterfaceIndex: bridge.index).map(\.route)
            #expect(routes.contains { $0.isDefault && !$0.isIPv6 && $0.gateway == IPAddress("192.0.2.1") })
            #expect(routes.contains { $0.isDefault && $0.isIPv6 && $0.gateway == IPAddress("2001:db8::1") })
            #expect(routes.contains { $0.destination == InterfaceAddress("198.51.100.0/24") && $0.metric == 50 && $0.protocolID == 4 })

            // iproute2's view.
            #expect(try host.addresses("br0").contains("192.0.2.10/24"))
            let defaults = try host.ipJSON(["route", "show", "default"])
            #expect(defaults.count == 1 && defaults.first?["dev"] as? String == "br0")
            #expect(try host.ipJSON(["-6", "route", "show", "default"]).first?["dev"] as? String == "br0")
            let nicLink = try #require(try host.link("eno1"))
            #expect(nicLink["master"] as? String == "br0")
            let bridgeLink = try #require(try host.link("br0"))
            #expect(bridgeLink["address"] as? String == nicMAC.description)
            let info = (bridgeLink["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
            #expect(info?["stp_state"] as? Int == 1)
            // STP went on after the NIC joined: the port stays forwarding (no 2 x forward delay).
            #expect(try host.bridgePortState("eno1") == "forwarding")
            #expect(try host.exec(["ping", "-n", "-c", "1", "-W", "2", "192.0.2.1"]).succeeded)

            // Refused while a guest is attached.
            try Command.check("ip", ["-n", host.name, "link", "add", "vnet0", "type", "veth", "peer", "name", "vnet0p"])
            try Command.check("ip", ["-n", host.name, "link", "set", "vnet0", "master", "br0"])
            let busy = await #expect(throws: PatchbayError.self) { try await bridger.unbridge(bridge: "br0") }
            #expect(busy?.message.contains("other devices attached besides 'eno1': vnet0") == true)
            try Command.check("ip", ["-n", host.name, "link", "del", "vnet0"])

            var released = ""
            let unbridged = try await HostNICLAN.pingLoss(from: lan) {
                released = try await bridger.unbridge(bridge: "br0").nic
            }
            print("iface-unbridge: ping sent \(unbridged.sent), received \(unbridged.received), lost \(unbridged.sent - unbridged.received)")
            #expect(released == "eno1")
            #expect(unbridged.sent - unbridged.received <= 1)
            #expect(try session.link(named: "br0") == nil)
            #expect(try host.addresses("eno1").contains("192.0.2.10/24"))
            #expect(try host.ipJSON(["route", "show", "default"]).first?["dev"] as? String == "eno1")
            #expect(try host.ipJSON(["-6", "route", "show", "default"]).first?["dev"] as? String == "eno1")
            #expect(try host.ipJSON(["route", "show", "198.51.100.0/24"]).first?["dev"] as? String == "eno1")
            #expect(try host.link("eno1")?["master"] == nil)
        }
    }

    @Test func aTakenBridgeNameLeavesTheNICAsItWas() async throws {
        try await Self.withHostAndLAN { host, _ in
            let session = try NetlinkSession(namespacePath: host.path)
            let bridger = KernelInterfaceBridge(links: KernelLinks(session: session))
            // The kernel is still finishing the NIC's IPv6 set-up (DAD, its link routes) for a
            // moment after it came up: the baseline is taken once two readings agree.
            var before = try await bridger.snapshot(named: "eno1")
            for _ in 0..<50 {
                try await Task.sleep(for: .milliseconds(200))
                let again = try await bridger.snapshot(named: "eno1")
                if again == before { break }
                before = again
            }
            try Command.check("ip", ["-n", host.name, "link", "add", "br0", "type", "bridge"])
            let taken = await #expect(throws: PatchbayError.self) {
                try await bridger.bridge(nic: "eno1", bridge: "br0", stp: true, delaySeconds: 0)
            }
            #expect(taken?.code == .alreadyExists && taken?.message == "an interface named 'br0' already exists")
            #expect(try await bridger.snapshot(named: "eno1") == before)
            // A bridge iface-bridge did not make is refused by iface-unbridge.
            let foreign = await #expect(throws: PatchbayError.self) { _ = try await bridger.unbridge(bridge: "br0") }
            #expect(foreign?.message.contains("was not made by 'patchbay iface-bridge'") == true)
        }
    }
}
