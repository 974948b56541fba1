import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// Network ports in namespaces: TAP devices for QEMU and veth pairs into namespaces, read back
    /// with `ip -j -d link`.
    @Suite("Network ports (root, namespaces)")
    struct PortTests {
        static let network = """
            <network>
              <name>lab</name>
              <bridge name='pbport0' stp='off'/>
              <ip address='10.86.0.1' netmask='255.255.255.0'/>
            </network>
            """

        static func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        @Test func tapPortsAreBridgePortsWithVnetHeaderAndQueues() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let port = try Self.json(try daemon.ok(["net-port-create", "lab", "--owner", "vm1", "--queues", "4",
                                                        "--mac", "52:54:00:86:00:10", "--json"]))
                let device = try #require(port["device"] as? String)
                let uuid = try #require(port["uuid"] as? String)
                #expect(device.hasPrefix("vnet"))
                let link = try #require(try daemon.namespace.link(device))
                #expect(link["master"] as? String == "pbport0")
                #expect(link["address"] as? String == "fe:54:00:86:00:10")
                #expect((link["flags"] as? [String])?.contains("UP") == true)
                let info = (link["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
                #expect(info?["type"] as? String == "tap")
                #expect(info?["vnet_hdr"] as? Bool == true)
                #expect(info?["multi_queue"] as? Bool == true)
                #expect(info?["persist"] as? Bool == true)

                // Nobody holds the TAP open yet: no link, so the bridge port is not forwarding.
                let listed = try daemon.ok(["net-port-list", "lab"])
                #expect(listed.contains(uuid))
                #expect(listed.contains("no-carrier"))
                let xml = try daemon.ok(["net-port-dumpxml", "lab", uuid])
                #expect(xml == """
                    <networkport>
                      <uuid>\(uuid)</uuid>
                      <owner>
                        <name>vm1</name>
                      </owner>
                      <mac address='52:54:00:86:00:10'/>
                      <plug type='network' bridge='pbport0'/>
                    </networkport>

                    """)
                let list = try daemon.ok(["domiflist", "vm1"])
                let row = list.split(separator: "\n").first { $0.contains(device) }.map { $0.split(separator: " ").map(String.init) }
                #expect(row == [device, "network", "lab", "-", "52:54:00:86:00:10"])
                #expect(list.contains("52:54:00:86:00:10"))

                // The same MAC twice is refused; nothing is left behind.
                let again = try daemon.cli(["net-port-create", "lab", "--owner", "vm2", "--mac", "52:54:00:86:00:10"])
                #expect(again.status == 1)
                #expect(again.stderr.contains("already used"))

                try daemon.ok(["net-port-delete", "lab", uuid])
                #expect(try daemon.namespace.link(device) == nil)
                #expect(!(try daemon.ok(["net-port-list", "lab"]).contains(uuid)))
            }
        }

        @Test func vethPortsReachIntoANamespaceAndCountTraffic() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbc") { container in
                    let port = try Self.json(try daemon.ok(["net-port-create", "lab", "--owner", "ct1", "--type", "veth",
                                                            "--netns", container.name, "--mac", "52:54:00:86:00:20", "--json"]))
                    let device = try #require(port["device"] as? String)
                    let inside = try #require(try container.link("eth0"))
                    #expect(inside["address"] as? String == "52:54:00:86:00:20")
                    #expect(try daemon.namespace.link(device)?["master"] as? String == "pbport0")
                    try Command.check("ip", ["-n", container.name, "link", "set", "eth0", "up"])
                    try Command.check("ip", ["-n", container.name, "addr", "add", "10.86.0.20/24", "dev", "eth0"])
                    let ping = try container.exec(["busybox", "ping", "-c", "3", "-W", "2", "10.86.0.1"])
                    #expect(ping.succeeded, "\(ping)")
                    let stats = try Self.json(try daemon.ok(["domifstat", "ct1", device, "--json"]))
                    // The guest's view: it sent the echo requests and received the replies.
                    #expect((stats["txPackets"] as? Int ?? 0) >= 3)
                    #expect((stats["rxPackets"] as? Int ?? 0) >= 3)
                    #expect((stats["txBytes"] as? Int ?? 0) >= 3 * 98)
                    #expect(try daemon.ok(["domifstat", "ct1", device]).contains("\(device) rx_packets"))
                }
            }
        }

        @Test func portsSurviveARestartUntouched() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let port = try Self.json(try daemon.ok(["net-port-create", "lab", "--owner", "vm1", "--json"]))
                let device = try #require(port["device"] as? String)
                let before = try #require(try daemon.namespace.link(device))
                daemon.stop(signal: SIGKILL)
                try daemon.start()
                let after = try #require(try daemon.namespace.link(device))
                #expect(after["ifindex"] as? Int == before["ifindex"] as? Int)
                #expect(after["master"] as? String == "pbport0")
                #expect(try daemon.ok(["net-port-list", "lab", "--json"]).contains(device))
                // After a stop and start of the network, the port is back on the new bridge.
                try daemon.ok(["net-destroy", "lab"])
                try daemon.ok(["net-start", "lab"])
                #expect(try daemon.namespace.link(device)?["master"] as? String == "pbport0")
            }
        }

        @Test func badPortRequestsFailClearly() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                let inactive = try daemon.cli(["net-port-create", "lab", "--owner", "vm1"])
                #expect(inactive.status == 1)
                #expect(inactive.stderr.contains("not active"))
                try daemon.ok(["net-start", "lab"])
                #expect(try daemon.cli(["net-port-create", "lab", "--owner", "ct", "--type", "veth"]).status == 2)
                let missing = try daemon.cli(["net-port-create", "lab", "--owner", "ct", "--type", "veth", "--netns", "no-such-ns"])
                #expect(missing.status == 1)
                #expect(missing.stderr.contains("network namespace 'no-such-ns' does not exist"))
                #expect(try daemon.cli(["net-port-create", "lab", "--owner", "vm", "--mac", "01:00:5e:00:00:01"]).status == 2)
                #expect(try daemon.cli(["domiflist", "nobody"]).status == 1)
                // Nothing was left stored by the failed creations.
                let listed = try JSONSerialization.jsonObject(with: Data(try daemon.ok(["net-port-list", "lab", "--json"]).utf8)) as? [Any]
                #expect(listed?.isEmpty == true)
            }
        }
    }
}
