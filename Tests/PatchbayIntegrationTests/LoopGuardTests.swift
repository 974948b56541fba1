import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// Bridges with stp='on' (libvirt's default) under Patchbay's loop guard: new ports forward at
    /// once, and a guest that bridges two of its ports loses one of them until it stops.
    @Suite("Loop guard (root, namespaces)")
    struct LoopGuardTests {
        static let network = """
            <network>
              <name>lab</name>
              <bridge name='pbloop0' stp='on' delay='0'/>
              <ip address='10.85.0.1' netmask='255.255.255.0'/>
            </network>
            """

        static func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        static func vethPort(_ daemon: DaemonHarness, into namespace: TestNamespace, ifname: String, mac: String) throws -> String {
            let port = try json(try daemon.ok(["net-port-create", "lab", "--owner", namespace.name, "--type", "veth",
                                               "--netns", namespace.name, "--ifname", ifname, "--mac", mac, "--json"]))
            return try #require(port["device"] as? String)
        }

        /// Two veth ports of network lab into `guest` (eth0, eth1), joined in a bridge of the
        /// guest's own when `joined`. Returns the host-side devices.
        /// The guest runs no IPv6, so its bridge adds no multicast of its own to the storm.
        static func guestWithTwoPorts(_ daemon: DaemonHarness, _ guest: TestNamespace, macSuffix: Int, joined: Bool) throws -> (String, String) {
            for scope in ["all", "default"] {
                try Command.check("ip", ["netns", "exec", guest.name, "sysctl", "-qw", "net.ipv6.conf.\(scope).disable_ipv6=1"])
            }
            let first = try vethPort(daemon, into: guest, ifname: "eth0", mac: String(format: "52:54:00:85:00:%02x", macSuffix))
            let second = try vethPort(daemon, into: guest, ifname: "eth1", mac: String(format: "52:54:00:85:00:%02x", macSuffix + 1))
            if joined { try joinInABridge(guest) }
            return (first, second)
        }

        /// In `guest`: br0 without STP holding eth0 and eth1, all up.
        static func joinInABridge(_ guest: TestNamespace) throws {
            for command in [["link", "add", "br0", "type", "bridge", "stp_state", "0"],
                            ["link", "set", "eth0", "master", "br0"], ["link", "set", "eth1", "master", "br0"],
                            ["link", "set", "eth0", "up"], ["link", "set", "eth1", "up"], ["link", "set", "br0", "up"]] {
                try Command.check("ip", ["-n", guest.name] + command)
            }
        }

        /// Polls `condition` every 50 ms for up to `seconds`.
        /// Sleeps with Task.sleep: a blocked thread would be one of the few the concurrency pool has
        /// (two on these machines), starving every other test's waits.
        static func eventually(_ seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try condition() { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return try condition()
        }

        @Test func aNewPortForwardsAtOnceOnAnSTPNetwork() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let data = (try daemon.namespace.link("pbloop0")?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
                #expect(data?["stp_state"] as? Int == 0)
                try await TestNamespace.with(prefix: "pbg") { guest in
                    let device = try Self.vethPort(daemon, into: guest, ifname: "eth0", mac: "52:54:00:85:00:10")
                    try Command.check("ip", ["-n", guest.name, "addr", "add", "10.85.0.10/24", "dev", "eth0"])
                    try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                    // No listening or learning: forwarding as soon as the kernel sees the link up,
                    // and the first ping is answered (with kernel STP this port would wait 4 s).
                    var seen: Set<String> = []
                    let forwarding = try await Self.eventually(2) {
                        let state = try daemon.namespace.bridgePortState(device) ?? "none"
                        seen.insert(state)
                        return state == "forwarding"
                    }
                    #expect(forwarding)
                    #expect(seen.isSubset(of: ["disabled", "forwarding"]), "\(seen)")
                    let ping = try guest.exec(["busybox", "ping", "-c", "1", "-W", "1", "10.85.0.1"])
                    #expect(ping.succeeded, "\(ping)")
                }
            }
        }

        /// The loop tests probe every 200 ms: the storms they cause last a fifth as long, which keeps
        /// them from starving the tests running beside them on a 2-core machine.
        static let fastRounds = ["--loop-probe-interval-ms", "200"]

        @Test func aGuestBridgingTwoPortsLosesOneUntilItStops() async throws {
            try await DaemonHarness.with(arguments: Self.fastRounds) { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbg") { guest in
                    let (first, second) = try Self.guestWithTwoPorts(daemon, guest, macSuffix: 0x20, joined: false)
                    let firstIndex = try #require(try daemon.namespace.link(first)?["ifindex"] as? Int)
                    let secondIndex = try #require(try daemon.namespace.link(second)?["ifindex"] as? Int)
                    let (older, newer) = firstIndex < secondIndex ? (first, second) : (second, first)
                    // The guest joins its two interfaces in a bridge of its own without STP: a loop.
                    try Self.joinInABridge(guest)
                    try Command.check("ip", ["-n", guest.name, "addr", "add", "10.85.0.20/24", "dev", "br0"])
                    let cut = try await Self.eventually(5) { try daemon.namespace.bridgePortState(newer) == "disabled" }
                    #expect(cut, "\(daemon.logs)")
                    #expect(try daemon.namespace.bridgePortState(older) == "forwarding")
                    #expect(daemon.logs.contains("loop detected"))
                    // net-port-list says so too.
                    let listed = try #require(try JSONSerialization.jsonObject(with: Data(try daemon.ok(["net-port-list", "lab", "--json"]).utf8))
                        as? [[String: Any]])
                    let states = Dictionary(uniqueKeysWithValues: listed.compactMap { port in
                        (port["device"] as? String).map { ($0, port["state"] as? String ?? "") }
                    })
                    #expect(states == [newer: "disabled", older: "forwarding"])
                    #expect(try daemon.ok(["net-port-list", "lab"]).contains("disabled"))

                    // The guest still reaches the host through the port it kept, and no storm goes on:
                    // over one second the bridge hears little more than the pings and a probe.
                    let ping = try guest.exec(["busybox", "ping", "-c", "2", "-W", "2", "10.85.0.1"])
                    #expect(ping.succeeded, "\(ping)")
                    let before = try Self.rxPackets(daemon.namespace, older)
                    try await Task.sleep(for: .seconds(1))
                    let after = try Self.rxPackets(daemon.namespace, older)
                    #expect(after - before < 100, "\(after - before) frames in one second on \(older)")

                    // The loop stays cut while it exists, across a daemon crash and restart too: the
                    // new daemon finds the port disabled and keeps probing it (were its probes not
                    // coming back, it would enable the port after five silent rounds, about 1.2 s).
                    _ = daemon.stop(signal: SIGKILL)
                    try daemon.start()
                    // Twice the rounds a cut needs to lapse (5 silent rounds of 200 ms), and more.
                    try await Task.sleep(for: .milliseconds(200 * 5 * 3))
                    #expect(try daemon.namespace.bridgePortState(newer) == "disabled")
                    #expect(try daemon.namespace.bridgePortState(older) == "forwarding")
                    #expect(!daemon.logs.contains("loop gone"), "the cut lapsed while the loop was there: \(daemon.logs)")
                    // ...and the port forwards again once the guest takes its bridge down.
                    try Command.check("ip", ["-n", guest.name, "link", "del", "br0"])
                    let back = try await Self.eventually(12) { try daemon.namespace.bridgePortState(newer) == "forwarding" }
                    #expect(back, "\(daemon.logs)")
                    #expect(daemon.logs.contains("loop gone"))
                }
            }
        }

        @Test func switchingProtectionAtARestartKeepsTheNetworkRunning() async throws {
            try await DaemonHarness.with(arguments: Self.fastRounds) { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbg") { guest in
                    let (first, second) = try Self.guestWithTwoPorts(daemon, guest, macSuffix: 0x40, joined: true)
                    let states = { [try daemon.namespace.bridgePortState(first) ?? "none", try daemon.namespace.bridgePortState(second) ?? "none"] }
                    #expect(try await Self.eventually(5) { try states().contains("disabled") })

                    // To kernel STP (the guest has just undone its loop; the port is still cut): the
                    // network stays up, and the cut port is handed to STP to judge.
                    try Command.check("ip", ["-n", guest.name, "link", "del", "br0"])
                    _ = daemon.stop(signal: SIGKILL)
                    try daemon.start(arguments: ["--loop-protection", "kernel-stp"])
                    #expect(try daemon.network("lab")?["active"] as? Bool == true)
                    var data = (try daemon.namespace.link("pbloop0")?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
                    #expect(data?["stp_state"] as? Int == 1)
                    #expect(try !states().contains("disabled"), "\((try? states()) ?? [])")
                    #expect(daemon.logs.contains("for kernel STP to judge"))

                    // Back to the loop guard: STP off and delay 0 again (the kernel refuses a delay
                    // under 2 s while STP is on, so the order matters), and a new loop is cut.
                    daemon.stop()
                    try daemon.start()
                    #expect(try daemon.network("lab")?["active"] as? Bool == true, "\(daemon.logs)")
                    data = (try daemon.namespace.link("pbloop0")?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
                    #expect(data?["stp_state"] as? Int == 0)
                    #expect(data?["forward_delay"] as? Int == 0)
                    #expect(try await Self.eventually(5) { try states() == ["forwarding", "forwarding"] }, "\((try? states()) ?? [])")
                    try Self.joinInABridge(guest)
                    #expect(try await Self.eventually(5) { try states().sorted() == ["disabled", "forwarding"] }, "\((try? states()) ?? [])")
                }
            }
        }

        @Test func kernelSTPKeepsLibvirtsBehaviour() async throws {
            try await DaemonHarness.with(arguments: ["--loop-protection", "kernel-stp"]) { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let data = (try daemon.namespace.link("pbloop0")?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
                #expect(data?["stp_state"] as? Int == 1)
                #expect(data?["forward_delay"] as? Int == 200)
                try await TestNamespace.with(prefix: "pbg") { guest in
                    let device = try Self.vethPort(daemon, into: guest, ifname: "eth0", mac: "52:54:00:85:00:30")
                    try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                    // Listening (2 s), then learning (2 s): nowhere near forwarding at once.
                    #expect(try await Self.eventually(3) { ["listening", "learning"].contains(try daemon.namespace.bridgePortState(device)) })
                    #expect(try daemon.namespace.bridgePortState(device) != "forwarding")
                }
            }
        }

        static func rxPackets(_ namespace: TestNamespace, _ device: String) throws -> Int {
            let link = try #require(try namespace.ipJSON(["-s", "link", "show", "dev", device]).first)
            return try #require(((link["stats64"] as? [String: Any])?["rx"] as? [String: Any])?["packets"] as? Int)
        }
    }
}
