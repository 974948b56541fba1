import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The seed's four iptables examples as ACL one-liners, with real traffic between guest
    /// namespaces that got their addresses from Patchbay's DHCP server (which is where
    /// @guests and @owner get theirs): guest-to-guest blocked, bridged and routed; one pair
    /// allowed; inbound 22 and 3389 dropped while 80 passes; new connections rate-limited;
    /// counters in acl-show; all of it still in force after kill -9 and restart.
    @Suite("Network ACLs (root, namespaces)")
    struct ACLTests {
        static let network = """
            <network>
              <name>lab</name>
              <forward mode='nat'/>
              <bridge name='pbacl0' stp='off'/>
              <ip address='10.81.0.1' netmask='255.255.255.0'>
                <dhcp><range start='10.81.0.100' end='10.81.0.150'/></dhcp>
              </ip>
            </network>
            """

        /// `serve.py PORT...`: accepts on every port and answers "hi", until killed.
        static let serve = #"""
            import socket, sys, threading
            def run(port):
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", port)); s.listen(64)
                while True:
                    c, _ = s.accept(); c.sendall(b"hi"); c.close()
            for p in sys.argv[1:]: threading.Thread(target=run, args=(int(p),), daemon=True).start()
            print("ready", flush=True)
            threading.Event().wait()
            """#

        /// `connect.py HOST PORT N`: N connections one after the other, prints how many answered.
        static let connect = #"""
            import socket, sys
            host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
            ok = 0
            for _ in range(n):
                try:
                    c = socket.create_connection((host, port), timeout=0.5)
                    if c.recv(2) == b"hi": ok += 1
                    c.close()
                except OSError:
                    pass
            print(ok)
            """#

        static func answered(_ from: [String], _ host: String, _ port: Int, times: Int = 1, daemon: DaemonHarness) throws -> Int {
            let arguments = from + ["python3", try daemon.file("connect.py", connect), host, String(port), String(times)]
            let result = try Command.run(arguments[0], Array(arguments.dropFirst()))
            return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        static func counters(_ daemon: DaemonHarness, _ acl: String) throws -> [[String: Any]] {
            let show = try #require(try JSONSerialization.jsonObject(with: Data(try daemon.ok(["acl-show", acl, "--json"]).utf8)) as? [String: Any])
            return try #require(show["counters"] as? [[String: Any]])
        }

        static func pings(_ guest: TestNamespace, _ address: String) throws -> Bool {
            try guest.exec(["busybox", "ping", "-c", "1", "-W", "1", address]).succeeded
        }

        @Test func theSeedsExamplesAsACLs() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbw") { web in
                    try await TestNamespace.with(prefix: "pbd") { db in
                        try await TestNamespace.with(prefix: "pbx") { other in
                            var address: [String: String] = [:]
                            for (guest, owner, mac) in [(web, "web", "52:54:00:81:00:01"), (db, "db", "52:54:00:81:00:02"), (other, "other", "52:54:00:81:00:03")] {
                                _ = try daemon.ok(["net-port-create", "lab", "--owner", owner, "--type", "veth", "--netns", guest.name, "--mac", mac])
                                try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                                let result = try guest.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1",
                                                             "-s", try DHCPClientTests.udhcpcScript(in: daemon.directory)])
                                #expect(result.succeeded, "\(result)")
                                address[owner] = String(try #require(try guest.addresses("eth0").first { $0.hasPrefix("10.81.0.") }).split(separator: "/")[0])
                            }
                            let server = try ChildProcess("ip", ["netns", "exec", db.name, "python3", try daemon.file("serve.py", Self.serve), "22", "80", "3389"],
                                                          outputPath: daemon.directory + "/serve.out")
                            defer { server.stop(grace: 1) }
                            try await NWFilterTests.waitFor("the server", timeout: 10) {
                                ((try? String(contentsOfFile: daemon.directory + "/serve.out", encoding: .utf8)) ?? "").contains("ready")
                            }
                            let host = ["ip", "netns", "exec", daemon.namespace.name]
                            #expect(try Self.pings(other, address["web"]!) && Self.pings(web, address["db"]!))

                            // Block guest-to-guest, allow one pair (both ways).
                            try daemon.ok(["acl-create", "east-west", "--network", "lab",
                                           "--egress", "allow from @owner:web to @owner:db", "--egress", "allow from @owner:db to @owner:web",
                                           "--egress", "drop to @guests"])
                            #expect(try Self.pings(web, address["db"]!) && Self.pings(db, address["web"]!))
                            #expect(try !Self.pings(other, address["web"]!) && !Self.pings(web, address["other"]!))
                            #expect(try Self.pings(other, "10.81.0.1"))
                            // Through the host (a host route via the gateway): blocked as well.
                            try Command.check("ip", ["-n", other.name, "route", "add", "\(address["db"]!)/32", "via", "10.81.0.1"])
                            #expect(try !Self.pings(other, address["db"]!))
                            #expect(try Self.answered(["ip", "netns", "exec", other.name], address["db"]!, 80, daemon: daemon) == 0)

                            // Drop inbound 22 and 3389; 80 still answers.
                            try daemon.ok(["acl-create", "no-remote", "--network", "lab", "--ingress", "drop tcp dport 22,3389"])
                            #expect(try Self.answered(host, address["db"]!, 22, daemon: daemon) == 0)
                            #expect(try Self.answered(host, address["db"]!, 3389, daemon: daemon) == 0)
                            #expect(try Self.answered(host, address["db"]!, 80, daemon: daemon) == 1)
                            #expect(try Self.counters(daemon, "no-remote").first?["packets"] as? Int ?? 0 >= 2)

                            // Rate-limit new connections to port 80: over 2 a minute (nft's burst
                            // of 5 first), the rest are dropped.
                            try daemon.ok(["acl-rule-add", "no-remote", "--ingress", "drop tcp dport 80 over 2/minute"])
                            let passed = try Self.answered(host, address["db"]!, 80, times: 12, daemon: daemon)
                            #expect(passed >= 1 && passed <= 8, "\(passed) of 12 new connections passed")

                            // A change re-fills the port's chains, so rule 1 counts from zero again.
                            let counters = try Self.counters(daemon, "no-remote")
                            #expect(counters.map { $0["rule"] as? String } == ["drop tcp dport 22,3389", "drop tcp dport 80 over 2/minute"])
                            #expect((counters.last?["packets"] as? Int ?? 0) >= 4, "\(counters)")
                            let list = try daemon.ok(["acl-list"])
                            #expect(list.contains("east-west") && list.contains("no-remote"))

                            // kill -9 and restart: nothing rewritten, everything still in force.
                            let before = try daemon.namespace.exec(["nft", "-a", "list", "table", "inet", "patchbay_nwfilter"]).stdout
                            daemon.stop(signal: SIGKILL)
                            #expect(try !Self.pings(other, address["web"]!))
                            try daemon.start()
                            let after = try daemon.namespace.exec(["nft", "-a", "list", "table", "inet", "patchbay_nwfilter"]).stdout
                            #expect(NWFilterTests.withoutCounters(after) == NWFilterTests.withoutCounters(before))
                            #expect(try !Self.pings(other, address["web"]!) && Self.pings(web, address["db"]!))

                            // Bad input changes nothing.
                            let missing = try daemon.cli(["acl-create", "x", "--network", "nope"])
                            #expect(missing.status != 0 && missing.stderr.contains("network 'nope', which does not exist"), "\(missing)")
                            let bad = try daemon.cli(["acl-rule-add", "no-remote", "--ingress", "drop dport 22"])
                            #expect(bad.status != 0 && bad.stderr.contains("ports need protocol"), "\(bad)")
                            let unchanged = try daemon.namespace.exec(["nft", "-a", "list", "table", "inet", "patchbay_nwfilter"]).stdout
                            #expect(NWFilterTests.withoutCounters(unchanged) == NWFilterTests.withoutCounters(after))

                            try daemon.ok(["acl-delete", "east-west"])
                            #expect(try Self.pings(other, address["web"]!))
                        }
                    }
                }
            }
        }
    }
}
