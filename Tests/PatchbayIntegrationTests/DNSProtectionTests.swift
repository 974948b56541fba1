import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The DNS server under abuse: a guest that opens hundreds of TCP connections and holds them
    /// (or trickles bytes) must not use up the daemon, and the host resolver set up as the README
    /// says must not make the server forward a name to itself forever.
    @Suite("DNS under abuse (root, namespaces)")
    struct DNSProtectionTests {
        static let network = """
            <network>
              <name>lab</name>
              <bridge name='pbdnsx0' stp='off'/>
              <domain name='lab.test'/>
              <dns><host ip='10.75.0.9'><hostname>web</hostname></host></dns>
              <ip address='10.75.0.1' netmask='255.255.255.0'>
                <dhcp><range start='10.75.0.100' end='10.75.0.150'/></dhcp>
              </ip>
            </network>
            """

        /// `hold.py COUNT READY RELEASE`: opens COUNT connections to the server and keeps the
        /// ones it gets, and writes how many were still open a second later to READY; then one
        /// more connection, from SOURCE, sends a byte every half second, and READY.trickle says
        /// after how long the server closed it. Waits for RELEASE.
        static let hold = #"""
            import os, socket, sys, time
            count, ready, release, source = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
            held = []
            for _ in range(count):
                s = socket.socket()
                s.settimeout(2)
                try:
                    s.connect(("10.75.0.1", 53))
                    held.append(s)
                except OSError:
                    s.close()
            time.sleep(1)
            def alive(s):
                try:
                    s.setblocking(False)
                    return s.recv(1) != b""
                except BlockingIOError:
                    return True
                except OSError:
                    return False
            still = sum(1 for s in held if alive(s))
            trickle = socket.create_connection(("10.75.0.1", 53), timeout=2, source_address=(source, 0))
            started = time.monotonic()
            open(ready + ".tmp", "w").write("%d\n" % still)
            os.rename(ready + ".tmp", ready)
            # A message of 256 bytes announced, its bytes sent one at a time (slow-loris).
            trickle.send(b"\x01\x00")
            closed_after = -1
            while not os.path.exists(release) and time.monotonic() - started < 60:
                try:
                    trickle.send(b"\x07")
                    if closed_after < 0 and not alive(trickle):
                        closed_after = time.monotonic() - started
                except OSError:
                    if closed_after < 0: closed_after = time.monotonic() - started
                time.sleep(0.5)
                if closed_after >= 0: break
            open(ready + ".trickle", "w").write("%.1f\n" % closed_after)
            while not os.path.exists(release): time.sleep(0.1)
            """#

        @Test(arguments: [30, 3])
        func heldConnectionsDoNotStopTheDaemonServingOthers(lifetime: Int) async throws {
            try await DaemonHarness.with(arguments: ["--dns-tcp-lifetime", "\(lifetime)"]) { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let script = try daemon.file("hold.py", Self.hold)
                let ready = daemon.directory + "/held", release = daemon.directory + "/release"
                try await daemon.withGuest(on: "pbdnsx0", mac: "52:54:00:75:00:66") { attacker in
                    try attacker.configure(address: "10.75.0.66/24", gateway: "10.75.0.1")
                    try Command.check("ip", ["-n", attacker.name, "addr", "add", "10.75.0.67/24", "dev", "eth0"])
                    let holder = try ChildProcess("ip", ["netns", "exec", attacker.name, "sh", "-c",
                                                         "ulimit -n 4096; exec python3 \(script) 1500 \(ready) \(release) 10.75.0.67"],
                                                  outputPath: daemon.directory + "/hold.out")
                    defer {
                        _ = FileManager.default.createFile(atPath: release, contents: nil)
                        holder.stop()
                    }
                    #expect(await DHCPClientTests.waitFor(ready, seconds: 60), "\(DHCPClientTests.contents(daemon.directory + "/hold.out"))")
                    let held = Int(DHCPClientTests.contents(ready).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
                    // Sixteen per client address (or none left by the time it looked, when they live 3 s).
                    if lifetime == 30 { #expect(held == 16, "the attacker kept \(held) connections") } else { #expect(held <= 16) }
                    // Everyone else is served: the API, DNS over UDP and TCP, and DHCP.
                    try await daemon.withGuest(on: "pbdnsx0", mac: "52:54:00:75:00:02") { other in
                        let lease = try other.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T", "1",
                                                    "-s", try DHCPClientTests.udhcpcScript(in: daemon.directory)])
                        #expect(lease.succeeded, "\(lease)")
                        for transport in ["+notcp", "+tcp"] {
                            let answer = try other.exec(["dig", "+short", "+tries=1", "+time=3", transport, "@10.75.0.1", "web.lab.test"])
                            #expect(answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "10.75.0.9", "\(transport): \(answer)")
                        }
                    }
                    #expect(try daemon.cli(["net-list", "--all"]).succeeded)
                    // The daemon holds few descriptors whatever the attacker does.
                    let pids = try daemon.namespace.exec(["pgrep", "-f", "\(Binaries.patchbayd) --socket \(daemon.socketPath)"])
                    if let pid = pids.stdout.split(separator: "\n").first {
                        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
                        #expect(descriptors < 200, "patchbayd has \(descriptors) descriptors open")
                    }
                    // A connection that trickles a byte at a time is closed at its lifetime.
                    if lifetime == 3 {
                        #expect(await DHCPClientTests.waitFor(ready + ".trickle", seconds: 30))
                        let after = Double(DHCPClientTests.contents(ready + ".trickle").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
                        #expect(after >= 2 && after < 10, "the trickling connection was closed after \(after) s")
                    }
                }
            }
        }

        /// B-M7: the host resolver sends the network's domain to the network's server (the
        /// README's recipe), and the server forwards what it does not know to the host resolver.
        /// An unknown name goes round once, is recognised as a loop, and gets SERVFAIL.
        @Test func theHostResolverRecipeDoesNotLoop() async throws {
            try await DaemonHarness.with { daemon in
                let resolv = try daemon.file("resolv.conf", "nameserver 127.0.0.53\n")
                daemon.stop()
                try daemon.start(arguments: ["--resolv-conf", resolv])
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let log = daemon.directory + "/resolver.log"
                _ = try ChildProcess("ip", ["netns", "exec", daemon.namespace.name, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                                            "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.53", "--port=53",
                                            "--user=root", "--pid-file=\(daemon.directory)/resolver.pid", "--server=/lab.test/10.75.0.1",
                                            "--log-queries", "--log-facility=\(log)"])
                var up = false
                for _ in 0..<50 where !up {
                    up = try daemon.namespace.exec(["dig", "+short", "+tries=1", "+time=1", "@127.0.0.53", "web.lab.test"]).stdout
                        .contains("10.75.0.9")
                    if !up { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(up, "the host resolver does not answer the network's names")
                let ghost = try daemon.namespace.exec(["dig", "+tries=1", "+time=5", "@127.0.0.53", "ghost.lab.test"])
                #expect(ghost.stdout.contains("status: SERVFAIL"), "\(ghost)")
                let forwarded = DHCPClientTests.contents(log).components(separatedBy: "forwarded ghost.lab.test").count - 1
                #expect((1...4).contains(forwarded), "the host resolver forwarded ghost.lab.test \(forwarded) times:\n\(DHCPClientTests.contents(log).suffix(3000))")
                // Names the network knows still resolve through the host resolver.
                #expect(try daemon.namespace.exec(["dig", "+short", "+tries=1", "+time=2", "@127.0.0.53", "web.lab.test"]).stdout.contains("10.75.0.9"))
            }
        }
    }
}
