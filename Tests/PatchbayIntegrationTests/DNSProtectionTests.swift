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
        /// ones it gets, asking a question on each every two seconds so that the server's idle
        /// timeout (10 s) does not close them however long the connecting takes, and writes how
        /// many were still open a second later to READY; then one more connection, from SOURCE,
        /// sends a byte every half second, and READY.trickle says after how long the server
        /// closed it. Waits for RELEASE.
        static let hold = #"""
            import os, socket, struct, sys, time
            count, ready, release, source = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
            name = b"".join(bytes([len(l)]) + l for l in b"web.lab.test".split(b".")) + b"\0"
            query = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + name + struct.pack(">HH", 1, 1)
            query = struct.pack(">H", len(query)) + query
            held, asked = [], 0.0
            def ask():
                global asked
                asked = time.monotonic()
                for s in held:
                    try: s.send(query)
                    except OSError: pass
            for _ in range(count):
                s = socket.socket()
                s.settimeout(2)
                try:
                    s.connect(("10.75.0.1", 53))
                    held.append(s)
                except OSError:
                    s.close()
                if time.monotonic() - asked > 2: ask()
            ask()
            time.sleep(1)
            def alive(s):
                # Answers may wait ahead of the server's FIN: read past them.
                try:
                    s.setblocking(False)
                    while s.recv(4096) != b"": pass
                    return False
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

        static let forwarding = """
            <network>
              <name>fwd</name>
              <bridge name='pbdnsf0' stp='off'/>
              <dns><forwarder addr='\(Upstream.address)'/></dns>
              <ip address='10.74.0.1' netmask='255.255.255.0'/>
            </network>
            """

        /// `ask.py COUNT OUT`: asks the network's server for COUNT distinct forwarded names, query
        /// i under ID i, at most 50 outstanding, and writes how many came back answered to OUT.
        static let asker = #"""
            import socket, struct, sys, time
            count, out = int(sys.argv[1]), sys.argv[2]
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect(("10.74.0.1", 53)); s.settimeout(2)
            def query(i):
                name = b"".join(bytes([len(l)]) + l for l in (b"q%d" % i, b"upstream", b"example")) + b"\0"
                return struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + name + b"\x00\x01\x00\x01"
            sent, answered, outstanding = 1, 0, 0
            while answered < count:
                while outstanding < 50 and sent <= count:
                    s.send(query(sent)); sent += 1; outstanding += 1
                try:
                    reply = s.recv(4096)
                except socket.timeout:
                    break
                outstanding -= 1
                if reply[3] & 0x0F == 0 and struct.unpack("!H", reply[6:8])[0] == 1: answered += 1
            open(out, "w").write("%d\n" % answered)
            """#

        /// RFC 5452: forwarded queries leave under IDs of their own (not the client's) from
        /// sockets on random ports that are replaced as they are used; a replaced socket closes
        /// as soon as its last query is answered (they used to stay open a fixed 6 s each, which
        /// under load kept hundreds open, each holding its receive buffers).
        @Test func forwardedQueriesChangeIDsAndPortsAndRetiredSocketsClose() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("fwd.xml", Self.forwarding)])
                try daemon.ok(["net-start", "fwd"])
                try await daemon.withUpstream(routes: ["10.74.0.0/24"]) { upstream in
                    let (server, log) = try await UpstreamDNSServer.start(daemon, in: upstream, ttl: 0)
                    defer { server.stop() }
                    let count = 4400
                    try await daemon.withGuest(on: "pbdnsf0", mac: "52:54:00:74:00:02") { guest in
                        try guest.configure(address: "10.74.0.2/24", gateway: "10.74.0.1")
                        let out = daemon.directory + "/asked"
                        let asked = try guest.exec(["python3", try daemon.file("ask.py", Self.asker), "\(count)", out])
                        #expect(asked.succeeded, "\(asked)")
                        let answered = Int(DHCPClientTests.contents(out).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
                        #expect(answered == count, "\(answered) of \(count) forwarded queries were answered")
                    }
                    var ports = Set<Int>(), ids = Set<Int>(), sameAsClient = 0
                    for line in DHCPClientTests.contents(log).split(separator: "\n") {
                        let fields = line.split(separator: " ")
                        guard fields.count == 3, let port = Int(fields[0]), let id = Int(fields[1]) else { continue }
                        ports.insert(port)
                        ids.insert(id)
                        if fields[2] == "q\(id).upstream.example" { sameAsClient += 1 }
                    }
                    // Four sockets, each replaced after 512 queries: two replacements each for 4,400 (some leeway, as a replacement binds while its socket still sends).
                    #expect(ports.count >= 10, "the upstream saw \(ports.count) source ports: \(ports.sorted())")
                    #expect(ids.count > count * 9 / 10, "\(ids.count) distinct IDs for \(count) queries")
                    #expect(sameAsClient < 20, "\(sameAsClient) queries left under the client's own ID")
                    // With every query answered, only the four live IPv4 sockets are open.
                    var forwarderSockets: [Substring] = []
                    for _ in 0..<40 {
                        let sockets = try daemon.namespace.exec(["ss", "-H", "-u", "-a", "-n"]).stdout.split(separator: "\n")
                        forwarderSockets = sockets.filter { line in
                            let local = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first ?? ""
                            return local.hasPrefix("0.0.0.0:") && !local.hasSuffix(":53") && !local.hasSuffix(":67")
                        }
                        if forwarderSockets.count <= 4 { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(forwarderSockets.count <= 4, "open IPv4 forwarder sockets:\n\(forwarderSockets.joined(separator: "\n"))")
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
