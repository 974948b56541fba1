import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// `/metrics` as Prometheus sees it: `promtool check metrics` accepts the text, and a real
    /// Prometheus server, started in the daemon's namespace with a directory of its own,
    /// scrapes `--metrics-listen` and answers a query with a port's counters; an address already
    /// in use stops the daemon with a message that names it.
    @Suite("Metrics (root, namespaces, Prometheus)", .serialized)
    struct MetricsTests {
        static let network = """
            <network><name>lab</name><bridge name='pbmet0' stp='off'/>
            <dns><host ip='10.84.0.50'><hostname>db</hostname></host></dns>
            <ip address='10.84.0.1' netmask='255.255.255.0'><dhcp><range start='10.84.0.100' end='10.84.0.149'/></dhcp></ip></network>
            """

        @Test func prometheusScrapesThePortsCounters() async throws {
            try await DaemonHarness.with(arguments: ["--metrics-listen", "127.0.0.1:19477"]) { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbm") { guest in
                    _ = try daemon.ok(["net-port-create", "lab", "--owner", "vm1", "--type", "veth", "--netns", guest.name,
                                       "--mac", "52:54:00:84:00:01"])
                    try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                    // A real DHCP client and a DNS query, for the servers' counters.
                    let lease = try guest.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1",
                                                "-s", try DHCPClientTests.udhcpcScript(in: daemon.directory)])
                    #expect(lease.succeeded, "\(lease)")
                    #expect(try guest.exec(["busybox", "ping", "-c", "3", "-W", "2", "10.84.0.1"]).succeeded)
                    let dig = try guest.exec(["dig", "+short", "+tries=1", "+time=2", "@10.84.0.1", "db", "A"])
                    #expect(dig.stdout.contains("10.84.0.50"), "\(dig)")

                    let scraped = try daemon.namespace.exec(["curl", "-sf", "http://127.0.0.1:19477/metrics"])
                    #expect(scraped.succeeded, "\(scraped)")
                    let text = scraped.stdout
                    #expect(text.contains(#"patchbay_port_transmit_packets_total{network="lab",port="vnet0",owner="vm1",mac="52:54:00:84:00:01"}"#), "\(text)")
                    #expect(text.contains(#"patchbay_dhcp_pool_addresses{network="lab"} 50"#))
                    #expect(text.contains("patchbay_api_request_duration_seconds_bucket"))
                    for series in [#"patchbay_dhcp_requests_total{network="lab",type="discover"} "#, #"patchbay_dhcp_requests_total{network="lab",type="request"} "#,
                                   #"patchbay_dhcp_replies_total{network="lab",type="ack"} "#,
                                   #"patchbay_dhcp_lease_changes_total{network="lab",change="granted"} 1"#,
                                   #"patchbay_dhcp_reply_duration_seconds_count{network="lab"} "#,
                                   #"patchbay_dns_queries_total{network="lab",type="A",result="local"} 1"#,
                                   #"patchbay_dns_cache_hits_total{network="lab"} 0"#,
                                   #"patchbay_events_total{type="port-created"} 1"#, #"patchbay_events_total{type="lease-granted"} 1"#,
                                   "patchbay_loop_guard_rounds_total "] {
                        #expect(text.contains(series), "\(series) in:\n\(text)")
                    }
                    // The same text on the API socket.
                    let socket = try Command.run("curl", ["-sf", "--unix-socket", daemon.socketPath, "http://localhost/metrics"])
                    #expect(socket.stdout.contains("patchbay_network_active{network=\"lab\"} 1"))
                    let check = try Command.run("promtool", ["check", "metrics"], input: text)
                    #expect(check.succeeded, "\(check)")

                    // A Prometheus server of the test's own, scraping every second.
                    let dir = daemon.directory + "/prometheus"
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    let config = try daemon.file("prometheus.yml", """
                        global: {scrape_interval: 1s}
                        scrape_configs:
                          - job_name: patchbay
                            static_configs: [{targets: ['127.0.0.1:19477']}]
                        """)
                    let server = try ChildProcess("ip", ["netns", "exec", daemon.namespace.name, "prometheus", "--config.file=\(config)",
                                                         "--storage.tsdb.path=\(dir)", "--web.listen-address=127.0.0.1:19090"],
                                                  outputPath: dir + "/prometheus.log")
                    defer { server.stop(grace: 2) }
                    let query = "http://127.0.0.1:19090/api/v1/query?query=patchbay_port_transmit_packets_total%7Bowner%3D%22vm1%22%7D"
                    var answer = ""
                    try await NWFilterTests.waitFor("Prometheus to scrape patchbayd", timeout: 60) {
                        answer = (try? daemon.namespace.exec(["curl", "-sf", query]).stdout) ?? ""
                        return answer.contains("\"mac\":\"52:54:00:84:00:01\"")
                    }
                    let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
                    let result = try #require((json["data"] as? [String: Any])?["result"] as? [[String: Any]])
                    let value = try #require((result.first?["value"] as? [Any])?.last as? String)
                    #expect((Double(value) ?? 0) >= 3, "\(answer)")
                }
            }
        }

        @Test func anAddressInUseIsRefusedByName() async throws {
            try await DaemonHarness.with { daemon in
                let holder = try ChildProcess("ip", ["netns", "exec", daemon.namespace.name, "python3", "-c",
                                                     "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',19478)); s.listen(); print('ready',flush=True); time.sleep(60)"],
                                              outputPath: daemon.directory + "/holder.out")
                defer { holder.stop(grace: 1) }
                try await NWFilterTests.waitFor("the port holder", timeout: 10) {
                    ((try? String(contentsOfFile: daemon.directory + "/holder.out", encoding: .utf8)) ?? "").contains("ready")
                }
                let run = try daemon.namespace.exec([Binaries.patchbayd, "--socket", daemon.directory + "/second.sock",
                                                     "--state-dir", daemon.directory + "/second", "--metrics-listen", "127.0.0.1:19478"])
                #expect(!run.succeeded && run.stderr.contains("cannot listen for metrics on 127.0.0.1:19478"), "\(run)")
                let bad = try daemon.namespace.exec([Binaries.patchbayd, "--metrics-listen", "localhost"])
                #expect(!bad.succeeded && bad.stderr.contains("--metrics-listen must be HOST:PORT"), "\(bad)")
            }
        }
    }
}
