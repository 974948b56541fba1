import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The forwarder's cache with real packets: an upstream that gives a TTL is asked once per
    /// name, however many clients ask at once or afterwards, and every client gets its own ID
    /// back and a TTL that only counts down.
    @Suite("DNS cache (root, namespaces)")
    struct DNSCacheTests {
        static let network = """
            <network>
              <name>cache</name>
              <bridge name='pbdnsc0' stp='off'/>
              <dns><forwarder addr='\(Upstream.address)'/></dns>
              <ip address='10.73.0.1' netmask='255.255.255.0'/>
            </network>
            """

        /// `ask.py NAME COUNT OUT`: sends COUNT queries for NAME at once (IDs 1...COUNT, the name
        /// in alternating letter case), and writes "id rcode ttl name" for each reply to OUT.
        static let asker = #"""
            import socket, struct, sys
            name, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect(("10.73.0.1", 53)); s.settimeout(3)
            def encode(n):
                return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"
            for i in range(1, count + 1):
                asked = name.upper() if i % 2 else name
                s.send(struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + encode(asked) + b"\x00\x01\x00\x01")
            lines = []
            for _ in range(count):
                try:
                    reply = s.recv(4096)
                except socket.timeout:
                    break
                end = 12
                while reply[end]: end += 1 + reply[end]
                qname = reply[12:end + 1]
                labels, i = [], 0
                while qname[i]:
                    labels.append(qname[i + 1:i + 1 + qname[i]].decode()); i += 1 + qname[i]
                ancount, nscount = struct.unpack("!HH", reply[6:10])
                ttl = struct.unpack("!I", reply[end + 5 + 6:end + 5 + 10])[0] if ancount or nscount else -1
                lines.append("%d %d %d %s" % (struct.unpack("!H", reply[:2])[0], reply[3] & 0x0F, ttl, ".".join(labels)))
            open(out, "w").write("\n".join(lines) + "\n")
            """#

        struct Reply {
            var id: Int
            var rcode: Int
            var ttl: Int
            var name: String
        }

        static func replies(_ path: String) -> [Reply] {
            DHCPClientTests.contents(path).split(separator: "\n").compactMap { line in
                let fields = line.split(separator: " ")
                guard fields.count == 4, let id = Int(fields[0]), let rcode = Int(fields[1]), let ttl = Int(fields[2]) else { return nil }
                return Reply(id: id, rcode: rcode, ttl: ttl, name: String(fields[3]))
            }
        }

        @Test func oneUpstreamQueryPerNameWhileItsTTLLasts() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("cache.xml", Self.network)])
                try daemon.ok(["net-start", "cache"])
                try await daemon.withUpstream(routes: ["10.73.0.0/24"]) { upstream in
                    // TTL 300, answered a quarter of a second late, so that clients asking at
                    // once all ask while the first question is out.
                    let (server, log) = try await UpstreamDNSServer.start(daemon, in: upstream, ttl: 300, delay: 0.25)
                    defer { server.stop() }
                    try await daemon.withGuest(on: "pbdnsc0", mac: "52:54:00:73:00:02") { guest in
                        try guest.configure(address: "10.73.0.2/24", gateway: "10.73.0.1")
                        let script = try daemon.file("ask.py", Self.asker)
                        func ask(_ name: String, _ count: Int, _ label: String) throws -> [Reply] {
                            let out = daemon.directory + "/\(label)"
                            let run = try guest.exec(["python3", script, name, "\(count)", out])
                            #expect(run.succeeded, "\(run)")
                            return Self.replies(out)
                        }
                        // Twenty clients at once: one question upstream, twenty answers, each
                        // with its own ID and its own letter case.
                        let first = try ask("www.cached.example", 20, "first")
                        #expect(first.count == 20)
                        #expect(Set(first.map(\.id)) == Set(1...20))
                        #expect(first.allSatisfy { $0.rcode == 0 && $0.ttl > 0 && $0.ttl <= 300 })
                        #expect(first.allSatisfy { $0.name == ($0.id % 2 == 1 ? "WWW.CACHED.EXAMPLE" : "www.cached.example") })
                        // Asked again: from the cache, the TTL no larger than before.
                        let again = try ask("www.cached.example", 5, "again")
                        #expect(again.count == 5)
                        #expect(again.allSatisfy { $0.rcode == 0 && $0.ttl <= 300 && $0.ttl > 290 })
                        // A name that does not exist: NXDOMAIN kept for the SOA's MINIMUM.
                        let missing = try ask("nothing.cached.example", 3, "missing")
                        #expect(missing.count == 3 && missing.allSatisfy { $0.rcode == 3 }, "\(missing)")
                        let missingAgain = try ask("nothing.cached.example", 3, "missing-again")
                        #expect(missingAgain.count == 3 && missingAgain.allSatisfy { $0.rcode == 3 && $0.ttl <= 60 }, "\(missingAgain)")
                    }
                    let asked = DHCPClientTests.contents(log).split(separator: "\n").compactMap { $0.split(separator: " ").last?.lowercased() }
                    #expect(asked.filter { $0 == "www.cached.example" }.count == 1, "the upstream was asked: \(asked)")
                    #expect(asked.filter { $0 == "nothing.cached.example" }.count == 1, "the upstream was asked: \(asked)")
                }
            }
        }
    }
}
