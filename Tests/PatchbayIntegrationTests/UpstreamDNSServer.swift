import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The upstream server of the forwarding tests, on the upstream namespace's address: answers
    /// every A question with 198.51.100.80 and the TTL it is given, after `delay` seconds; names
    /// whose first label starts with "no" get NXDOMAIN with an SOA whose MINIMUM is 60. Logs
    /// "source-port id name" for each query it reads.
    enum UpstreamDNSServer {
        static let script = #"""
            import socket, struct, sys, time
            log, ready, ttl, delay = open(sys.argv[1], "w", buffering=1), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("198.51.100.2", 53))
            open(ready, "w").close()
            soa = b"\xc0\x0c\x00\x06\x00\x01\x00\x00\x0e\x10\x00\x1c" + b"\x02ns\x00" + b"\x02hm\x00" + struct.pack("!IIIII", 1, 3600, 600, 86400, 60)
            while True:
                data, peer = s.recvfrom(4096)
                if len(data) < 12: continue
                end, labels = 12, []
                while data[end]:
                    labels.append(data[end + 1:end + 1 + data[end]].decode()); end += 1 + data[end]
                question = data[12:end + 5]
                log.write("%d %d %s\n" % (peer[1], struct.unpack("!H", data[:2])[0], ".".join(labels)))
                if delay: time.sleep(delay)
                if labels and labels[0].lower().startswith("no"):
                    reply = data[:2] + b"\x81\x83\x00\x01\x00\x00\x00\x01\x00\x00" + question + soa
                else:
                    reply = data[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question
                    reply += b"\xc0\x0c\x00\x01\x00\x01" + struct.pack("!I", ttl) + b"\x00\x04" + socket.inet_aton("198.51.100.80")
                s.sendto(reply, peer)
            """#

        /// Starts the server in `upstream`'s namespace and waits until it listens; the caller
        /// stops the process. Returns it and the path of its log.
        static func start(_ daemon: DaemonHarness, in upstream: Upstream, ttl: Int, delay: Double = 0) async throws -> (ChildProcess, log: String) {
            let log = daemon.directory + "/upstream.log", ready = daemon.directory + "/upstream.ready"
            let server = try ChildProcess("ip", ["netns", "exec", upstream.namespace.name, "python3",
                                                 try daemon.file("upstream.py", script), log, ready, "\(ttl)", "\(delay)"],
                                          outputPath: daemon.directory + "/upstream.out")
            #expect(await DHCPClientTests.waitFor(ready, seconds: 10), "\(DHCPClientTests.contents(daemon.directory + "/upstream.out"))")
            return (server, log)
        }
    }
}
