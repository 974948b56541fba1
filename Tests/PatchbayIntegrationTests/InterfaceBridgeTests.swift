import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// `patchbay iface-bridge` / `iface-unbridge` against patchbayd in the test's namespace, on a
    /// veth "NIC" whose other end is the LAN (HostNICLAN), with a ping through it.
    @Suite("Interface bridge CLI (root, namespaces)")
    struct InterfaceBridgeTests {
        @Test func bridgeAndUnbridgeKeepThePing() async throws {
            try await DaemonHarness.with { daemon in
                try await HostNICLAN.with(host: daemon.namespace) { lan in
                    let mac = try #require(try daemon.namespace.link("eno1")?["address"] as? String)
                    var output = ""
                    let bridged = try await HostNICLAN.pingLoss(from: lan) {
                        output = try daemon.ok(["iface-bridge", "eno1", "br0"])
                    }
                    print("patchbay iface-bridge: ping sent \(bridged.sent), received \(bridged.received)")
                    #expect(output.contains("Created bridge br0 with attached device eno1"))
                    #expect(bridged.sent - bridged.received <= 1)
                    #expect(try daemon.namespace.addresses("br0").contains("192.0.2.10/24"))
                    #expect(try daemon.namespace.link("br0")?["address"] as? String == mac)
                    #expect(try daemon.namespace.link("eno1")?["master"] as? String == "br0")
                    #expect(try daemon.namespace.ipJSON(["route", "show", "default"]).first?["dev"] as? String == "br0")

                    let again = try daemon.cli(["iface-bridge", "eno1", "br1"])
                    #expect(again.status == 1)
                    #expect(again.stderr.contains("'eno1' is already attached to 'br0'"))

                    let unbridged = try await HostNICLAN.pingLoss(from: lan) {
                        output = try daemon.ok(["iface-unbridge", "br0", "--json"])
                    }
                    print("patchbay iface-unbridge: ping sent \(unbridged.sent), received \(unbridged.received)")
                    let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
                    #expect(json?["nic"] as? String == "eno1" && json?["bridge"] as? String == "br0")
                    #expect(unbridged.sent - unbridged.received <= 1)
                    #expect(try daemon.namespace.link("br0") == nil)
                    #expect(try daemon.namespace.addresses("eno1").contains("192.0.2.10/24"))
                    #expect(try daemon.namespace.ipJSON(["route", "show", "default"]).first?["dev"] as? String == "eno1")
                }
            }
        }

        @Test func refusalsLeaveTheNICAsItWas() async throws {
            try await DaemonHarness.with { daemon in
                try await HostNICLAN.with(host: daemon.namespace) { _ in
                    func state() throws -> String {
                        try Command.check("ip", ["-n", daemon.namespace.name, "-d", "addr", "show", "dev", "eno1"]).stdout
                            + (try Command.check("ip", ["-n", daemon.namespace.name, "route", "show", "table", "all"]).stdout)
                    }
                    let before = try state()
                    try Command.check("ip", ["-n", daemon.namespace.name, "link", "add", "br0", "type", "bridge"])
                    let taken = try daemon.cli(["iface-bridge", "eno1", "br0"])
                    #expect(taken.status == 1)
                    #expect(taken.stderr.contains("an interface named 'br0' already exists"))
                    let missing = try daemon.cli(["iface-bridge", "eno9", "br1"])
                    #expect(missing.status == 1 && missing.stderr.contains("no interface named 'eno9'"))
                    let badDelay = try daemon.cli(["iface-bridge", "eno1", "br1", "--delay", "31"])
                    #expect(badDelay.status == 2)
                    let foreign = try daemon.cli(["iface-unbridge", "br0"])
                    #expect(foreign.status == 1 && foreign.stderr.contains("was not made by 'patchbay iface-bridge'"))
                    #expect(try state() == before)
                }
            }
        }
    }
}
