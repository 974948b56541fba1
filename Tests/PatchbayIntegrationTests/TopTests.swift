import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// `patchbay top` against a daemon in a namespace of its own, two guests with DHCP leases and
    /// iperf3 between them: `--once --json` names the ports' owners, MACs and leased addresses,
    /// shows the busy ports' rates and sorts by them, and a disabled (cut) port as such; the live
    /// view, in a tmux pane, shows the owners and rates, a new port's event and row, and quits on
    /// 'q' or Ctrl-C with the terminal as it was; the counter stream ends by itself with `count`,
    /// with an error message when its network is undefined, and at the daemon's graceful stop.
    @Suite("Top (root, namespaces, iperf3, tmux)", .serialized)
    struct TopTests {
        static let network = """
            <network><name>lab</name><bridge name='pbtop0' stp='off'/>
            <ip address='10.89.0.1' netmask='255.255.255.0'><dhcp><range start='10.89.0.100' end='10.89.0.149'/></dhcp></ip></network>
            """

        struct Guest {
            var namespace: TestNamespace
            var owner: String
            var mac: String
            var address: String
        }

        /// A daemon with `lab` running and two guests, vm1 and vm2, each with a lease.
        static func withGuests(_ body: (DaemonHarness, Guest, Guest) async throws -> Void) async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbt") { first in
                    try await TestNamespace.with(prefix: "pbt") { second in
                        var guests: [Guest] = []
                        for (namespace, owner, mac) in [(first, "vm1", "52:54:00:89:00:01"), (second, "vm2", "52:54:00:89:00:02")] {
                            _ = try NWFilterTests.guest(daemon, namespace, owner: owner, mac: mac)
                            let lease = try namespace.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1",
                                                            "-s", try DHCPClientTests.udhcpcScript(in: daemon.directory)])
                            #expect(lease.succeeded, "\(lease)")
                            let shown = try namespace.exec(["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
                            let address = try #require(shown.split(separator: " ").first { $0.hasPrefix("10.89.0.") }?.split(separator: "/").first)
                            guests.append(Guest(namespace: namespace, owner: owner, mac: mac, address: String(address)))
                        }
                        #expect(try first.exec(["ping", "-c", "1", "-W", "5", guests[1].address]).succeeded)
                        try await body(daemon, guests[0], guests[1])
                    }
                }
            }
        }

        /// `top --once --json`, parsed.
        static func once(_ daemon: DaemonHarness, _ extra: [String] = []) throws -> [String: Any] {
            let run = try daemon.cli(["top", "lab", "--once", "--json"] + extra)
            guard run.succeeded else { throw HarnessError("top --once --json failed: \(run)") }
            return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        }

        static func rate(_ port: [String: Any], _ key: String) -> Double { (port[key] as? NSNumber)?.doubleValue ?? 0 }

        @Test func onceAsJSONShowsThePortsBusiestFirst() async throws {
            try await Self.withGuests { daemon, vm1, vm2 in
                // vm1 sends to vm2 for as long as the test looks.
                let transfer = try await IPerf3.startTransfer(receiver: vm2.namespace, sender: vm1.namespace, senderAddress: vm1.address, seconds: 15)
                var frame: [String: Any] = [:]
                var ports: [[String: Any]] = []
                try await NWFilterTests.waitFor("top to see vm1 sending", timeout: 30) {
                    frame = try Self.once(daemon, ["--sort", "tx"])
                    ports = frame["ports"] as? [[String: Any]] ?? []
                    return ports.count == 2 && Self.rate(ports[0], "txBytesPerSecond") > 1_000_000
                }
                #expect((frame["intervalSeconds"] as? NSNumber)?.doubleValue ?? 0 > 0.5)
                // By what they send, the sender first.
                #expect(ports.map { $0["owner"] as? String } == ["vm1", "vm2"])
                frame = try Self.once(daemon)
                ports = frame["ports"] as? [[String: Any]] ?? []
                // Both move (vm1's data out is vm2's in, and the acknowledgements back), so their
                // totals are nearly equal: sorted, whichever is first.
                #expect(Set(ports.compactMap { $0["owner"] as? String }) == ["vm1", "vm2"])
                let totals = ports.map { Self.rate($0, "rxBytesPerSecond") + Self.rate($0, "txBytesPerSecond") }
                #expect(totals == totals.sorted(by: >))
                for port in ports {
                    let guest = port["owner"] as? String == "vm1" ? vm1 : vm2
                    // What vm1 sends, vm2 receives.
                    #expect(Self.rate(port, guest.owner == "vm1" ? "txBytesPerSecond" : "rxBytesPerSecond") > 1_000_000, "\(ports)")
                    #expect(port["mac"] as? String == guest.mac)
                    #expect(port["ip"] as? String == guest.address)
                    #expect(port["state"] as? String == "forwarding")
                    #expect(port["network"] as? String == "lab")
                    #expect((port["device"] as? String)?.isEmpty == false)
                }
                let networks = try #require(frame["networks"] as? [[String: Any]])
                #expect(networks.first?["name"] as? String == "lab")
                // Two clients' DISCOVER and REQUEST at least.
                #expect(((networks.first?["dhcpRequests"] as? NSNumber)?.intValue ?? 0) >= 4, "\(networks)")

                // --sort rx puts the receiver first; the table once, for a pipe, names both.
                let byRx = try Self.once(daemon, ["--sort", "rx"])["ports"] as? [[String: Any]] ?? []
                #expect(byRx.first?["owner"] as? String == "vm2", "\(byRx)")
                let table = try daemon.cli(["top", "lab", "--once"])
                #expect(table.succeeded && table.stdout.contains("NETWORK  PORT") && table.stdout.contains(vm1.address), "\(table)")
                #expect(table.stdout.contains("lab: DHCP "), "\(table)")
                _ = try? await transfer.finish()
            }
        }

        @Test func theLiveViewRunsInATerminalAndQuitsOnQOrCtrlC() async throws {
            try await Self.withGuests { daemon, vm1, vm2 in
                let transfer = try await IPerf3.startTransfer(receiver: vm2.namespace, sender: vm1.namespace, senderAddress: vm1.address, seconds: 20)
                let server = "pbtop-\(UUID().uuidString.prefix(8))"
                func tmux(_ arguments: [String]) throws -> CommandResult { try Command.run("tmux", ["-L", server] + arguments) }
                defer { _ = try? tmux(["kill-server"]) }
                /// `top` in a session of its own; when it ends, the shell writes its exit status and
                /// the terminal's settings then (`stty -a`), the status file last.
                func start(_ session: String) throws -> String {
                    let out = daemon.directory + "/" + session
                    let command = "\(Binaries.patchbay) top lab --sort tx --socket \(daemon.socketPath); echo exited $? > \(out).tmp; "
                        + "stty -a > \(out).stty; mv \(out).tmp \(out).exit"
                    let started = try tmux(["new-session", "-d", "-s", session, "-x", "160", "-y", "40", command])
                    #expect(started.succeeded, "\(started)")
                    return out
                }
                /// After a quit key: `top` exited 0 and left the terminal canonical and echoing.
                func expectEnded(_ out: String) async throws {
                    try await NWFilterTests.waitFor("top to exit", timeout: 15) { FileManager.default.fileExists(atPath: out + ".exit") }
                    let exit = try String(contentsOfFile: out + ".exit", encoding: .utf8)
                    #expect(exit == "exited 0\n", "\(exit)")
                    let stty = try String(contentsOfFile: out + ".stty", encoding: .utf8)
                    let flags = Set(stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
                    #expect(flags.isSuperset(of: ["icanon", "echo", "isig"]) && flags.isDisjoint(with: ["-icanon", "-echo", "-isig"]), "\(stty)")
                }
                let out = try start("top")
                var screen = ""
                try await NWFilterTests.waitFor("the owners and a rate on the screen", timeout: 30) {
                    screen = (try? tmux(["capture-pane", "-p", "-t", "top"]).stdout) ?? ""
                    let rows = screen.split(separator: "\n")
                    return rows.contains { $0.contains("vm1") && $0.contains("Mb") } && rows.contains { $0.contains("vm2") }
                }
                #expect(screen.contains("patchbay top"), "\(screen)")
                #expect(screen.contains("RX/s") && screen.contains(vm1.mac) && screen.contains(vm2.address), "\(screen)")
                #expect(screen.contains("lab: DHCP "), "\(screen)")
                // The busiest sender first: vm1's row comes before vm2's.
                let rows = screen.split(separator: "\n").map(String.init)
                let first = rows.firstIndex { $0.contains(" vm1 ") }, second = rows.firstIndex { $0.contains(" vm2 ") }
                #expect(first != nil && second != nil && first! < second!, "\(screen)")

                // A new port: its event comes from the event stream, its row from the next sample.
                _ = try daemon.ok(["net-port-create", "lab", "--owner", "vm3"])
                try await NWFilterTests.waitFor("the new port's event and row", timeout: 15) {
                    screen = (try? tmux(["capture-pane", "-p", "-t", "top"]).stdout) ?? ""
                    let rows = screen.split(separator: "\n")
                    return rows.contains { $0.hasPrefix("event ") && $0.contains("port-created") } && rows.contains { $0.contains(" vm3 ") }
                }
                #expect(screen.split(separator: "\n").contains { $0.contains(" vm3 ") && $0.contains("no-carrier") }, "\(screen)")

                // 's' steps from tx to the next order, name.
                #expect(try tmux(["send-keys", "-t", "top", "s"]).succeeded)
                try await NWFilterTests.waitFor("the order to change", timeout: 15) {
                    ((try? tmux(["capture-pane", "-p", "-t", "top"]).stdout) ?? "").contains("sorted by name")
                }

                #expect(try tmux(["send-keys", "-t", "top", "q"]).succeeded)
                try await expectEnded(out)

                // Ctrl-C (a key like any other in raw mode) quits as cleanly.
                let viaCtrlC = try start("top2")
                try await NWFilterTests.waitFor("the second view", timeout: 30) {
                    ((try? tmux(["capture-pane", "-p", "-t", "top2"]).stdout) ?? "").contains(" vm3 ")
                }
                #expect(try tmux(["send-keys", "-t", "top2", "C-c"]).succeeded)
                try await expectEnded(viaCtrlC)
                _ = try? await transfer.finish()
            }
        }

        @Test func theCounterStreamEndsByItselfAndAtAGracefulStop() async throws {
            try await Self.withGuests { daemon, _, _ in
                let url = "http://localhost/v1/stats/stream?network=lab&interval=0.2&count=3"
                let counted = try Command.run("curl", ["-sfN", "--max-time", "20", "--unix-socket", daemon.socketPath, url])
                #expect(counted.succeeded, "\(counted)")
                #expect(counted.stdout.components(separatedBy: "event: stats\n").count - 1 == 3, "\(counted.stdout)")
                let one = try Command.run("curl", ["-sf", "--unix-socket", daemon.socketPath, "http://localhost/v1/stats?network=lab"])
                #expect(one.stdout.contains("\"owner\":\"vm1\"") && one.stdout.contains("\"monotonicMilliseconds\""), "\(one)")
                let missing = try Command.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", daemon.socketPath,
                                                       "http://localhost/v1/stats/stream?network=nosuch"])
                #expect(missing.stdout == "404")
                // A port cut as the loop guard cuts one (BR_STATE_DISABLED) shows so.
                let before = try Self.once(daemon)["ports"] as? [[String: Any]] ?? []
                let cut = try #require(before.first { $0["owner"] as? String == "vm2" }?["device"] as? String)
                try Command.check("bridge", ["-n", daemon.namespace.name, "link", "set", "dev", cut, "state", "0"])
                let after = try Self.once(daemon)["ports"] as? [[String: Any]] ?? []
                #expect(after.first { $0["device"] as? String == cut }?["state"] as? String == "disabled", "\(after)")
                #expect(after.first { $0["owner"] as? String == "vm1" }?["state"] as? String == "forwarding", "\(after)")

                // Usage: --json is for --once, the delay has bounds; the live view needs a terminal.
                #expect(try daemon.cli(["top", "lab", "--json"]).status == 2)
                #expect(try daemon.cli(["top", "lab", "--once", "--delay", "0"]).status == 2)
                let piped = try daemon.cli(["top", "lab"])
                #expect(piped.status == 1 && piped.stderr.contains("top needs a terminal"), "\(piped)")
                let refused = try daemon.cli(["top", "nosuch", "--once", "--json"])
                #expect(refused.status == 1 && refused.stderr.contains("nosuch"), "\(refused)")

                // A network undefined under its stream: an error message, and the stream ends.
                try daemon.ok(["net-define", try daemon.file("spare.xml", "<network><name>spare</name><bridge name='pbtop9'/></network>")])
                let spareOutput = daemon.directory + "/spare.out"
                let spare = try ChildProcess("curl", ["-sN", "--unix-socket", daemon.socketPath,
                                                      "http://localhost/v1/stats/stream?network=spare&interval=0.2"], outputPath: spareOutput)
                defer { spare.stop(grace: 1) }
                try await NWFilterTests.waitFor("spare's first sample", timeout: 15) {
                    ((try? String(contentsOfFile: spareOutput, encoding: .utf8)) ?? "").contains("event: stats")
                }
                try daemon.ok(["net-undefine", "spare"])
                try await NWFilterTests.waitFor("spare's stream to end", timeout: 15) { !spare.isRunning }
                let ended = (try? String(contentsOfFile: spareOutput, encoding: .utf8)) ?? ""
                #expect(ended.contains("event: error\ndata: {\"error\":") && ended.contains("not found"), "\(ended)")

                // An endless stream, then SIGTERM: the daemon ends the stream and exits.
                let output = daemon.directory + "/stream.out"
                let follower = try ChildProcess("curl", ["-sN", "--unix-socket", daemon.socketPath, "http://localhost/v1/stats/stream"],
                                                outputPath: output)
                defer { follower.stop(grace: 1) }
                try await NWFilterTests.waitFor("the first sample", timeout: 15) {
                    ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("event: stats")
                }
                #expect(daemon.stop(signal: SIGTERM) == 0, "\(daemon.logs.suffix(2000))")
                try await NWFilterTests.waitFor("the stream to end", timeout: 15) { !follower.isRunning }
            }
        }
    }
}
