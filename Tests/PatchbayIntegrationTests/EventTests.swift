import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The event stream end to end: `patchbay event --loop` follows a network's life as it
    /// happens (the daemon's own changes, a real DHCP client's lease, the kernel's FDB and link
    /// notices), a MAC that moves between ports is a warning naming both, a veth whose namespace
    /// is deleted is swept on the kernel's notice, the events and their ids outlive a restart, and
    /// a reader that falls behind the bounded history is told how many it missed.
    @Suite("Events (root, namespaces)", .serialized)
    struct EventTests {
        static let network = """
            <network><name>lab</name><bridge name='pbev0' stp='off'/>
            <ip address='10.86.0.1' netmask='255.255.255.0'><dhcp><range start='10.86.0.100' end='10.86.0.149'/></dhcp></ip></network>
            """

        /// The follower's JSON lines, decoded.
        static func lines(_ path: String) -> [[String: Any]] {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        static func has(_ path: String, _ type: String, _ match: ([String: Any]) -> Bool = { _ in true }) -> Bool {
            lines(path).contains { $0["type"] as? String == type && match($0) }
        }

        @Test func theStreamFollowsANetworksLife() async throws {
            try await DaemonHarness.with { daemon in
                let out = daemon.directory + "/events.out"
                let follower = try ChildProcess(Binaries.patchbay, ["event", "--socket", daemon.socketPath, "--loop", "--json",
                                                                    "--since", "0", "--timeout", "240"], outputPath: out)
                defer { follower.stop(grace: 1) }
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await NWFilterTests.waitFor("network-started", timeout: 20) { Self.has(out, "network-started") }

                let first = try TestNamespace(prefix: "pbe")
                defer { first.delete() }
                try await TestNamespace.with(prefix: "pbf") { second in
                    _ = try daemon.ok(["net-port-create", "lab", "--owner", "vm1", "--type", "veth", "--netns", first.name, "--mac", "52:54:00:86:00:01"])
                    _ = try daemon.ok(["net-port-create", "lab", "--owner", "vm2", "--type", "veth", "--netns", second.name, "--mac", "52:54:00:86:00:02"])
                    for guest in [first, second] { try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"]) }
                    let lease = try first.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1",
                                                "-s", try DHCPClientTests.udhcpcScript(in: daemon.directory)])
                    #expect(lease.succeeded, "\(lease)")
                    try await NWFilterTests.waitFor("lease-granted for vm1", timeout: 20) {
                        Self.has(out, "lease-granted") { $0["owner"] as? String == "vm1" && ($0["ip"] as? String ?? "").hasPrefix("10.86.0.1") }
                    }
                    // The client's frames taught the bridge its MAC: the kernel's notice, named.
                    try await NWFilterTests.waitFor("fdb-learned for vm1", timeout: 20) {
                        Self.has(out, "fdb-learned") { $0["mac"] as? String == "52:54:00:86:00:01" && $0["owner"] as? String == "vm1" }
                    }
                    // vm2 sends a frame from vm1's MAC: the entry moves, and that is a warning.
                    let forged = try second.exec(["python3", "-c", """
                        from scapy.all import Ether, ARP, sendp
                        sendp(Ether(src='52:54:00:86:00:01', dst='ff:ff:ff:ff:ff:ff')/ARP(hwsrc='52:54:00:86:00:01', psrc='10.86.0.77', pdst='10.86.0.1'), iface='eth0', verbose=False)
                        """])
                    #expect(forged.succeeded, "\(forged)")
                    try await NWFilterTests.waitFor("fdb-moved to vm2", timeout: 20) {
                        Self.has(out, "fdb-moved") { $0["owner"] as? String == "vm2" && $0["severity"] as? String == "warning"
                            && ($0["message"] as? String ?? "").contains("vm1") }
                    }
                    // Carrier: vm2's end goes down, and up again.
                    try Command.check("ip", ["-n", second.name, "link", "set", "eth0", "down"])
                    try await NWFilterTests.waitFor("port-carrier-down of vm2", timeout: 20) {
                        Self.has(out, "port-carrier-down") { $0["owner"] as? String == "vm2" }
                    }
                    try Command.check("ip", ["-n", second.name, "link", "set", "eth0", "up"])
                    try await NWFilterTests.waitFor("port-carrier-up of vm2", timeout: 20) {
                        Self.has(out, "port-carrier-up") { $0["owner"] as? String == "vm2" }
                    }
                }
                // vm1's namespace goes, its veth with it: the kernel says so and the port is swept.
                first.delete()
                try await NWFilterTests.waitFor("port-deleted of vm1", timeout: 20) {
                    Self.has(out, "port-deleted") { $0["owner"] as? String == "vm1" && ($0["message"] as? String ?? "").contains("device is gone") }
                }
                #expect(!(try daemon.ok(["net-port-list", "lab", "--json"])).contains("vm1"))
                try daemon.ok(["net-destroy", "lab"])
                try await NWFilterTests.waitFor("network-stopped", timeout: 20) { Self.has(out, "network-stopped") }
                let ids = Self.lines(out).compactMap { $0["id"] as? Int }
                #expect(ids == ids.sorted() && Set(ids).count == ids.count, "ids grow: \(ids)")

                // virsh net-event's own line for the life-cycle events, from the held history.
                let virsh = try daemon.cli(["event", "--since", "0", "--network", "lab", "--type", "network", "--loop", "--timeout", "1"])
                #expect(virsh.succeeded && virsh.stdout.contains("event 'lifecycle' for network lab: Started")
                        && virsh.stdout.contains("event 'lifecycle' for network lab: Stopped"), "\(virsh)")
                #expect(!virsh.stdout.contains("fdb-"), "--type network keeps only network events")

                // A restart keeps the recent events and goes on with their ids.
                let last = try #require(ids.max())
                #expect(daemon.stop() == 0)
                try daemon.start()
                try daemon.ok(["net-start", "lab"])
                let held = try Command.check("curl", ["-sf", "--unix-socket", daemon.socketPath, "http://localhost/v1/events?since=0"])
                let list = try #require(try JSONSerialization.jsonObject(with: Data(held.stdout.utf8)) as? [String: Any])
                let events = try #require(list["events"] as? [[String: Any]])
                #expect(events.contains { $0["id"] as? Int == last }, "the events before the restart are still held")
                #expect(events.contains { $0["type"] as? String == "network-started" && ($0["id"] as? Int ?? 0) > last }, "\(held.stdout.suffix(600))")
            }
        }

        @Test func aReaderBehindTheHistoryIsToldWhatItMissed() async throws {
            try await DaemonHarness.with(arguments: ["--event-history", "10"]) { daemon in
                // A reader that connects and then never reads: the daemon must not wait for it.
                let stalled = try ChildProcess("ip", ["netns", "exec", daemon.namespace.name, "python3", "-c", """
                    import socket, sys, time
                    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
                    s.sendall(b'GET /v1/events/stream?since=0 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'); print('ready', flush=True); time.sleep(120)
                    """, daemon.socketPath], outputPath: daemon.directory + "/stalled.out")
                defer { stalled.stop(grace: 1) }
                try await NWFilterTests.waitFor("the stalled reader", timeout: 10) {
                    ((try? String(contentsOfFile: daemon.directory + "/stalled.out", encoding: .utf8)) ?? "").contains("ready")
                }
                let xml = try daemon.file("lab.xml", Self.network)
                for _ in 0..<8 {
                    try daemon.ok(["net-define", xml])
                    try daemon.ok(["net-undefine", "lab"])
                }
                // 16 events, 10 held: a reader from the start missed 6.
                let list = try Command.check("curl", ["-sf", "--unix-socket", daemon.socketPath, "http://localhost/v1/events?since=0"])
                let decoded = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
                #expect(decoded["missed"] as? Int == 6 && (decoded["events"] as? [Any])?.count == 10 && decoded["cursor"] as? Int == 16, "\(list.stdout)")
                let stream = try Command.check("curl", ["-sN", "--max-time", "20", "--unix-socket", daemon.socketPath,
                                                        "http://localhost/v1/events/stream?since=0&limit=3&timeout=10"])
                #expect(stream.stdout.contains("event: dropped\ndata: {\"cursor\":") && stream.stdout.contains("\"missed\":6"), "\(stream.stdout)")
                #expect(stream.stdout.contains("id: 7\n") && stream.stdout.contains("id: 9\n") && !stream.stdout.contains("id: 10\n"), "\(stream.stdout)")
                // The CLI says it plainly.
                let cli = try daemon.cli(["event", "--since", "0", "--loop", "--timeout", "1"])
                #expect(cli.stdout.contains("events dropped: 6 events were no longer held"), "\(cli)")
                #expect(try daemon.cli(["net-list", "--all"]).succeeded)

                // Bad input, named.
                let type = try daemon.cli(["event", "--type", "bogus"])
                #expect(type.status == 2 && type.stderr.contains("unknown event type 'bogus'"), "\(type)")
                let since = try Command.run("curl", ["-s", "--unix-socket", daemon.socketPath, "http://localhost/v1/events?since=soon"])
                #expect(since.stdout.contains("the event cursor must be an event id"), "\(since)")
            }
        }
    }
}
