import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The daemon against its own OpenAPI document, with schemathesis (PyPI) and every check:
    /// schema-valid requests must be accepted, schema-violating ones refused, every status and
    /// body documented, undeclared methods answered 405 with an Allow header, and nothing may
    /// crash the daemon. A small TCP-to-unix bridge in the daemon's namespace lets schemathesis
    /// reach the socket; the configuration (`schemathesis.toml` next to this file) points
    /// requests at a network that exists.
    @Suite("API contract (root, namespaces, schemathesis)")
    struct APIContractTests {
        static let bridge = #"""
            import socket, sys, threading
            port, path = int(sys.argv[1]), sys.argv[2]
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", port))
            server.listen(64)
            def pipe(a, b):
                try:
                    while True:
                        data = a.recv(65536)
                        if not data: break
                        b.sendall(data)
                except OSError:
                    pass
                finally:
                    try: b.shutdown(socket.SHUT_WR)
                    except OSError: pass
            def serve(client):
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                upstream.connect(path)
                t = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
                t.start()
                pipe(client, upstream)
                t.join()
                client.close()
                upstream.close()
            while True:
                c, _ = server.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()
            """#

        static var sourceRoot: URL {
            var url = URL(fileURLWithPath: #filePath)
            while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { url.deleteLastPathComponent() }
            return url
        }

        @Test func theServerKeepsItsDocumentedContract() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", """
                    <network><name>lab</name><forward mode='nat'/><bridge name='pbapi0'/>
                      <ip address='10.98.0.1' netmask='255.255.255.0'><dhcp><range start='10.98.0.100' end='10.98.0.200'/></dhcp></ip>
                    </network>
                    """)])
                try daemon.ok(["net-start", "lab"])
                try daemon.ok(["net-port-create", "lab", "--owner", "vm1"])
                let script = try daemon.file("bridge.py", Self.bridge)
                _ = try ChildProcess("ip", ["netns", "exec", daemon.namespace.name, "python3", script, "18080", daemon.socketPath],
                                     outputPath: daemon.directory + "/bridge.out")
                var ready = false
                for _ in 0..<100 where !ready {
                    ready = (try? daemon.namespace.exec(["curl", "-sf", "-m", "1", "http://127.0.0.1:18080/v1/health"]))?.succeeded == true
                    if !ready { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(ready, "the TCP bridge did not answer")
                let root = Self.sourceRoot
                let run = try daemon.namespace.exec([
                    "python3", "-m", "schemathesis.cli", "--no-color",
                    "--config-file", root.appendingPathComponent("Tests/PatchbayIntegrationTests/schemathesis.toml").path,
                    "run", root.appendingPathComponent("Sources/PatchbayAPI/openapi.json").path,
                    "--url", "http://127.0.0.1:18080", "--checks", "all", "--exclude-checks", "use_after_free", "--exclude-operation-id", "streamEvents", "--exclude-operation-id", "benchNetwork", "--exclude-operation-id", "streamStats", "--max-examples", "30", "--seed", "20261202",
                ])
                #expect(run.succeeded, "schemathesis found failures:\n\(run.stdout.suffix(6000))\n\(run.stderr.suffix(2000))")
                #expect(run.stdout.contains("passed"), "\(run.stdout.suffix(2000))")
                // And the daemon is still there, answering.
                #expect(try daemon.cli(["net-list", "--all"]).succeeded, "\(daemon.logs.suffix(4000))")
            }
        }

        /// A method a path does not serve: 405 with the methods it does.
        @Test func undeclaredMethodsAreAnswered405WithAllow() async throws {
            try await DaemonHarness.with { daemon in
                let result = try daemon.namespace.exec(["curl", "-s", "-i", "-X", "PATCH", "--unix-socket", daemon.socketPath,
                                                        "http://patchbayd/v1/networks/lab"])
                #expect(result.stdout.hasPrefix("HTTP/1.1 405"), "\(result.stdout)")
                #expect(result.stdout.lowercased().contains("allow: delete, get"), "\(result.stdout)")
                let missing = try daemon.namespace.exec(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--unix-socket", daemon.socketPath,
                                                         "http://patchbayd/v1/nowhere"])
                #expect(missing.stdout == "404")
            }
        }
    }
}
