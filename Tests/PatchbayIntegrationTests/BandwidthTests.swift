import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// `<bandwidth>` through the daemon: a veth port into a namespace shaped both ways (HTB on
    /// its device for what it receives, an IFB for what it sends), measured with iperf3; a
    /// live change; a floor on the bridge; nothing rewritten by a kill -9 and restart; the IFB
    /// gone with the port.
    @Suite("Bandwidth through the daemon (root, namespaces, iperf3)", .serialized)
    struct BandwidthTests {
        static let network = """
            <network>
              <name>lab</name>
              <forward mode='nat'/>
              <bridge name='pbqos0' stp='off'/>
              <bandwidth><inbound average='25000'/></bandwidth>
              <ip address='10.82.0.1' netmask='255.255.255.0'/>
            </network>
            """

        static func tc(_ daemon: DaemonHarness, _ arguments: [String]) throws -> String {
            try daemon.namespace.exec(["tc"] + arguments).stdout
        }

        @Test func aPortIsShapedBothWaysChangedLiveAndKeptAcrossARestart() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbq") { guest in
                    // 100 Mbit/s from the guest, 50 to it, a floor of 40 on the bridge.
                    let text = try daemon.ok(["net-port-create", "lab", "--owner", "vm1", "--type", "veth", "--netns", guest.name,
                                              "--outbound", "12500", "--inbound", "6250,,,5000", "--json"])
                    let port = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                    let device = try #require(port["device"] as? String), uuid = try #require(port["uuid"] as? String)
                    try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                    try Command.check("ip", ["-n", guest.name, "addr", "add", "10.82.0.20/24", "dev", "eth0"])
                    let ifb = "ifb-" + device
                    #expect(try Self.tc(daemon, ["-j", "qdisc", "show", "dev", device]).contains(#""kind":"htb""#))
                    #expect(try Self.tc(daemon, ["-j", "qdisc", "show", "dev", device]).contains(#""kind":"ingress""#))
                    #expect(try Self.tc(daemon, ["-j", "filter", "show", "dev", device, "ingress"]).contains(ifb))
                    #expect(try Self.tc(daemon, ["class", "show", "dev", ifb]).contains("rate 100Mbit"))
                    #expect(try Self.tc(daemon, ["class", "show", "dev", device]).contains("rate 50Mbit"))
                    let bridge = try Self.tc(daemon, ["class", "show", "dev", "pbqos0"])
                    #expect(bridge.contains("rate 40Mbit") && bridge.contains("rate 200Mbit"), "\(bridge)")

                    let outbound = try await IPerf3.measure(receiver: daemon.namespace, sender: guest, senderAddress: "10.82.0.20")
                    let inbound = try await IPerf3.measure(receiver: guest, sender: daemon.namespace, senderAddress: "10.82.0.1")
                    print("bandwidth through patchbayd: outbound \(outbound), inbound \(inbound)")
                    #expect(outbound.isWithin(0.10, of: 100), "\(outbound)")
                    #expect(inbound.isWithin(0.10, of: 50), "\(inbound)")

                    // Live: outbound down to 50 Mbit/s, inbound cleared (its floor leaves the bridge).
                    try daemon.ok(["net-port-set-bandwidth", "lab", uuid, "--outbound", "6250"])
                    let changed = try await IPerf3.measure(receiver: daemon.namespace, sender: guest, senderAddress: "10.82.0.20")
                    print("bandwidth through patchbayd: outbound after the change \(changed)")
                    #expect(changed.isWithin(0.10, of: 50), "\(changed)")
                    #expect(!(try Self.tc(daemon, ["-j", "qdisc", "show", "dev", device]).contains(#""kind":"htb""#)))
                    #expect(!(try Self.tc(daemon, ["class", "show", "dev", "pbqos0"]).contains("rate 40Mbit")))
                    let refused = try daemon.cli(["net-port-set-bandwidth", "lab", uuid, "--outbound", "100,50"])
                    #expect(refused.status != 0 && refused.stderr.contains("below the average"), "\(refused)")

                    // kill -9 and restart: the classes are as they were, handles and all.
                    let before = try Self.tc(daemon, ["class", "show", "dev", ifb]) + Self.tc(daemon, ["-j", "qdisc", "show", "dev", device])
                    daemon.stop(signal: SIGKILL)
                    try daemon.start()
                    let after = try Self.tc(daemon, ["class", "show", "dev", ifb]) + Self.tc(daemon, ["-j", "qdisc", "show", "dev", device])
                    #expect(after == before)

                    try daemon.ok(["net-port-delete", "lab", uuid])
                    #expect(!(try daemon.namespace.exec(["ip", "link", "show", ifb]).succeeded))
                }
            }
        }
    }
}
