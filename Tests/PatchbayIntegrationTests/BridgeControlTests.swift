import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The Linux bridge controls on a network Patchbay owns: STP values and ageing read back with
    /// `ip -j -d link` across a kill -9 and a network restart, port isolation with real packets,
    /// and the forwarding database against `bridge -j fdb`.
    @Suite("Bridge controls (root, namespaces)")
    struct BridgeControlTests {
        static func network(isolated: Bool) -> String {
            """
            <network>
              <name>ctl</name>
              <bridge name='pbctl0' stp='off'/>
              \(isolated ? "<port isolated='yes'/>" : "")
              <ip address='10.87.0.1' netmask='255.255.255.0'/>
            </network>
            """
        }

        static func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        static func data(_ link: [String: Any]?, _ key: String) -> [String: Any]? {
            (link?["linkinfo"] as? [String: Any])?[key] as? [String: Any]
        }

        /// A veth port of network ctl into `guest` with `address`, up.
        static func guest(_ daemon: DaemonHarness, _ guest: TestNamespace, mac: String, address: String) throws -> (device: String, uuid: String) {
            let port = try json(try daemon.ok(["net-port-create", "ctl", "--owner", guest.name, "--type", "veth", "--netns", guest.name,
                                               "--mac", mac, "--json"]))
            try Command.check("ip", ["-n", guest.name, "addr", "add", address, "dev", "eth0"])
            try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
            return (try #require(port["device"] as? String), try #require(port["uuid"] as? String))
        }

        static func ping(_ from: TestNamespace, _ to: String) throws -> Bool {
            try from.exec(["busybox", "ping", "-c", "1", "-W", "1", to]).succeeded
        }

        @Test func stpValuesAndAgeingReadBackAndSurviveRestarts() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("ctl.xml", Self.network(isolated: false))])
                try daemon.ok(["net-start", "ctl"])
                let info = try Self.json(try daemon.ok(["net-bridge-set", "ctl", "--priority", "4096", "--hello-time", "3", "--max-age", "12",
                                                        "--ageing-time", "120", "--json"]))
                #expect((info["kernel"] as? [String: Any])?["priority"] as? Int == 4096)
                func check(_ when: String) throws {
                    let bridge = Self.data(try daemon.namespace.link("pbctl0"), "info_data")
                    #expect(bridge?["priority"] as? Int == 4096, "\(when)")
                    #expect(bridge?["hello_time"] as? Int == 300, "\(when)")  // centiseconds
                    #expect(bridge?["max_age"] as? Int == 1200, "\(when)")
                    #expect(bridge?["ageing_time"] as? Int == 12000, "\(when)")
                }
                try check("after net-bridge-set")
                let refused = try daemon.cli(["net-bridge-set", "ctl", "--hello-time", "11"])
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("--hello-time 11 is out of range"), "\(refused)")
                try check("after a refused change")
                daemon.stop(signal: SIGKILL)
                // What reconciliation repairs: someone changed the bridge while patchbayd was down.
                try Command.check("ip", ["-n", daemon.namespace.name, "link", "set", "pbctl0", "type", "bridge", "priority", "100"])
                try daemon.start()
                try check("after kill -9 and a restart")
                try daemon.ok(["net-destroy", "ctl"])
                try daemon.ok(["net-start", "ctl"])
                try check("after a network restart")
                #expect(try daemon.ok(["net-bridge-info", "ctl"]).contains("4096"))
            }
        }

        @Test func isolatedPortsCannotReachEachOtherButReachTheHost() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("ctl.xml", Self.network(isolated: true))])
                try daemon.ok(["net-start", "ctl"])
                try await TestNamespace.with(prefix: "pbg") { a in
                    try await TestNamespace.with(prefix: "pbg") { b in
                        let portA = try Self.guest(daemon, a, mac: "52:54:00:87:00:0a", address: "10.87.0.10/24")
                        let portB = try Self.guest(daemon, b, mac: "52:54:00:87:00:0b", address: "10.87.0.11/24")
                        for port in [portA, portB] {
                            #expect(Self.data(try daemon.namespace.link(port.device), "info_slave_data")?["isolated"] as? Bool == true)
                        }
                        #expect(try Self.ping(a, "10.87.0.1"))
                        #expect(try Self.ping(b, "10.87.0.1"))
                        #expect(!(try Self.ping(a, "10.87.0.11")))
                        // A port's own setting wins over the network's.
                        try daemon.ok(["net-port-set", "ctl", portA.device, "--isolated", "off"])
                        #expect(Self.data(try daemon.namespace.link(portA.device), "info_slave_data")?["isolated"] as? Bool == false)
                        // The refused ping left A resolving B (ARP retries a second apart, as long
                        // as the ping's timeout): start the resolution afresh.
                        try Command.check("ip", ["-n", a.name, "neigh", "flush", "all"])
                        #expect(try Self.ping(a, "10.87.0.11"))
                        // ...and is kept across a network restart.
                        try daemon.ok(["net-destroy", "ctl"])
                        try daemon.ok(["net-start", "ctl"])
                        #expect(Self.data(try daemon.namespace.link(portA.device), "info_slave_data")?["isolated"] as? Bool == false)
                        #expect(Self.data(try daemon.namespace.link(portB.device), "info_slave_data")?["isolated"] as? Bool == true)
                        try daemon.ok(["net-port-set", "ctl", portB.uuid, "--priority", "5", "--cost", "100"])
                        let slave = Self.data(try daemon.namespace.link(portB.device), "info_slave_data")
                        #expect(slave?["priority"] as? Int == 5 && slave?["cost"] as? Int == 100)
                    }
                }
            }
        }

        @Test func theForwardingDatabaseNamesPortsAndOwnersAndTakesStaticEntries() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("ctl.xml", Self.network(isolated: false))])
                try daemon.ok(["net-start", "ctl"])
                try await TestNamespace.with(prefix: "pbg") { a in
                    try await TestNamespace.with(prefix: "pbg") { c in
                        let portA = try Self.guest(daemon, a, mac: "52:54:00:87:01:0a", address: "10.87.0.20/24")
                        #expect(try Self.ping(a, "10.87.0.1"))
                        let listed = try #require(try JSONSerialization.jsonObject(with: Data(try daemon.ok(["net-fdb", "ctl", "--json"]).utf8))
                            as? [[String: Any]])
                        let learned = try #require(listed.first { $0["mac"] as? String == "52:54:00:87:01:0a" }, "\(listed)")
                        #expect(learned["device"] as? String == portA.device)
                        #expect(learned["owner"] as? String == a.name)
                        #expect(learned["portUUID"] as? String == portA.uuid)
                        let kernel = try Command.check("bridge", ["-n", daemon.namespace.name, "-j", "fdb", "show", "br", "pbctl0"]).stdout
                        #expect(kernel.contains("\"mac\":\"52:54:00:87:01:0a\",\"ifname\":\"\(portA.device)\""), "\(kernel)")
                        #expect(try daemon.ok(["net-fdb", "ctl"]).contains(portA.device))

                        try daemon.ok(["net-fdb-add", "ctl", "52:54:00:87:01:99", portA.device])
                        let withStatic = try Command.check("bridge", ["-n", daemon.namespace.name, "-j", "fdb", "show", "br", "pbctl0"]).stdout
                        let entries = try #require(try JSONSerialization.jsonObject(with: Data(withStatic.utf8)) as? [[String: Any]])
                        let added = entries.first { $0["mac"] as? String == "52:54:00:87:01:99" }
                        #expect(added?["state"] as? String == "static" && added?["ifname"] as? String == portA.device, "\(withStatic)")
                        try daemon.ok(["net-fdb-delete", "ctl", "52:54:00:87:01:99", portA.device])
                        #expect(!(try Command.check("bridge", ["-n", daemon.namespace.name, "-j", "fdb", "show", "br", "pbctl0"]).stdout
                            .contains("52:54:00:87:01:99")))
                        let foreign = try daemon.cli(["net-fdb-add", "ctl", "52:54:00:87:01:98", "nosuchport"])
                        #expect(foreign.status == 1)

                        // Learning off before the guest sends anything: its MAC is never learned.
                        let portC = try Self.json(try daemon.ok(["net-port-create", "ctl", "--owner", c.name, "--type", "veth", "--netns", c.name,
                                                                 "--mac", "52:54:00:87:01:0c", "--json"]))
                        let deviceC = try #require(portC["device"] as? String)
                        try daemon.ok(["net-port-set", "ctl", deviceC, "--learning", "off"])
                        #expect(Self.data(try daemon.namespace.link(deviceC), "info_slave_data")?["learning"] as? Bool == false)
                        try Command.check("ip", ["-n", c.name, "addr", "add", "10.87.0.21/24", "dev", "eth0"])
                        try Command.check("ip", ["-n", c.name, "link", "set", "eth0", "up"])
                        #expect(try Self.ping(c, "10.87.0.1"))
                        #expect(!(try Command.check("bridge", ["-n", daemon.namespace.name, "-j", "fdb", "show", "br", "pbctl0"]).stdout
                            .contains("52:54:00:87:01:0c")))
                    }
                }
            }
        }
    }
}
