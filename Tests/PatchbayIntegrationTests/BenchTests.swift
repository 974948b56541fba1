import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// `patchbay bench` against a real daemon: temporary namespaces measured with iperf3 and
    /// with Patchbay's own sender, and nothing left behind (namespaces, ports); a namespace
    /// guest as one end; the upstream (the gateway) of a NAT network; and the refusals for a
    /// QEMU guest, unknown names and durations out of range.
    @Suite("Bench (root, namespaces, iperf3)", .serialized)
    struct BenchTests {
        static let network = """
            <network><name>lab</name><forward mode='nat'/><bridge name='pbbench0' stp='off'/>
            <ip address='10.88.0.1' netmask='255.255.255.0'><dhcp><range start='10.88.0.100' end='10.88.0.200'/></dhcp></ip></network>
            """

        static func withLab(_ body: (DaemonHarness) async throws -> Void) async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await body(daemon)
            }
        }

        /// The bench namespaces /run/netns has now.
        static func benchNamespaces() throws -> [String] {
            try Command.run("ip", ["netns", "list"]).stdout.split(separator: "\n")
                .compactMap { $0.split(separator: " ").first.map(String.init) }.filter { $0.hasPrefix("pbbench-") }
        }

        static func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
        }

        /// Throughput for one and `streams` streams above zero, and latency figures in order.
        static func expectMeasured(_ report: [String: Any], streams: Int, tool: String) throws {
            let throughput = try #require(report["throughput"] as? [[String: Any]])
            #expect(throughput.compactMap { $0["streams"] as? Int } == [1, streams])
            for result in throughput {
                #expect((result["bitsPerSecond"] as? Double ?? 0) > 0, "\(result)")
                #expect(result["tool"] as? String == tool)
            }
            let latency = try #require(report["latency"] as? [String: Any])
            let median = try #require(latency["medianMicroseconds"] as? Double), p99 = try #require(latency["p99Microseconds"] as? Double)
            #expect((latency["roundTrips"] as? Int ?? 0) > 0)
            #expect(median > 0 && p99 >= median && (latency["maximumMicroseconds"] as? Double ?? 0) >= p99, "\(latency)")
        }

        /// No namespace and no port of the bench remains.
        static func expectNothingLeft(_ daemon: DaemonHarness, _ report: [String: Any]) throws {
            let made = try #require(report["temporaryNamespaces"] as? [String])
            let left = try Self.benchNamespaces()
            #expect(made.allSatisfy { !left.contains($0) }, "left behind: \(left)")
            let ports = try #require(try JSONSerialization.jsonObject(with: Data(try daemon.ok(["net-port-list", "lab", "--json"]).utf8)) as? [[String: Any]])
            #expect(!ports.contains { ($0["ownerName"] as? String ?? "").hasPrefix("pbbench-") }, "\(ports)")
        }

        @Test func temporaryNamespacesWithIPerf3LeaveNothingBehind() async throws {
            try await Self.withLab { daemon in
                let report = try Self.json(try daemon.ok(["bench", "lab", "--duration", "1", "--json"]))
                try Self.expectMeasured(report, streams: 4, tool: "iperf3")
                let made = try #require(report["temporaryNamespaces"] as? [String])
                #expect(made.count == 2 && made.allSatisfy { $0.hasPrefix("pbbench-") })
                // Outside the DHCP range, from the top of the subnet down.
                let from = try #require(report["from"] as? [String: Any]), to = try #require(report["to"] as? [String: Any])
                #expect(from["address"] as? String == "10.88.0.254" && to["address"] as? String == "10.88.0.253")
                try Self.expectNothingLeft(daemon, report)
                // The table says the same.
                let table = try daemon.ok(["bench", "lab", "--duration", "1", "--streams", "2"])
                #expect(table.contains("throughput, 2 streams") && table.contains("latency (TCP round trip)"), "\(table)")
                #expect(try Self.benchNamespaces().isEmpty)
            }
        }

        @Test func patchbaysOwnSenderAndReceiver() async throws {
            try await Self.withLab { daemon in
                let report = try Self.json(try daemon.ok(["bench", "lab", "--duration", "1", "--streams", "3", "--tool", "builtin", "--json"]))
                try Self.expectMeasured(report, streams: 3, tool: "builtin")
                try Self.expectNothingLeft(daemon, report)
            }
        }

        @Test func aNamespaceGuestAndTheUpstream() async throws {
            try await Self.withLab { daemon in
                try await TestNamespace.with(prefix: "pbg") { guest in
                    _ = try NWFilterTests.guest(daemon, guest, owner: "vm1", mac: "52:54:00:88:00:11")
                    try Command.check("ip", ["-n", guest.name, "addr", "add", "10.88.0.11/24", "dev", "eth0"])
                    let report = try Self.json(try daemon.ok(["bench", "lab", "--from", "vm1", "--duration", "1", "--streams", "2", "--json"]))
                    try Self.expectMeasured(report, streams: 2, tool: "iperf3")
                    let from = try #require(report["from"] as? [String: Any])
                    #expect(from["namespace"] as? String == guest.name && from["address"] as? String == "10.88.0.11")
                    #expect((report["temporaryNamespaces"] as? [String])?.count == 1)
                    try Self.expectNothingLeft(daemon, report)
                    // The guest's own port is still there.
                    #expect(try daemon.ok(["net-port-list", "lab"]).contains("vm1"))

                    let upstream = try Self.json(try daemon.ok(["bench", "lab", "--from", "vm1", "--to", "upstream", "--duration", "1",
                                                                "--streams", "2", "--json"]))
                    try Self.expectMeasured(upstream, streams: 2, tool: "iperf3")
                    #expect((upstream["to"] as? [String: Any])?["address"] as? String == "10.88.0.1")
                    #expect((upstream["measured"] as? String ?? "").contains("gateway"), "\(upstream)")
                }
            }
        }

        @Test func refusalsSayWhatIsWrong() async throws {
            try await Self.withLab { daemon in
                try daemon.ok(["net-port-create", "lab", "--owner", "vm2"])
                func refused(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
                    let result = try daemon.cli(arguments)
                    #expect(result.status != 0, "\(arguments) succeeded", sourceLocation: sourceLocation)
                    #expect(result.stderr.contains(message), "\(arguments): \(result)", sourceLocation: sourceLocation)
                }
                try refused(["bench", "lab", "--to", "vm2", "--duration", "1"],
                            "cannot run a benchmark inside guest vm2: it is a QEMU guest; name a namespace port or use temporary namespaces")
                try refused(["bench", "nosuch", "--duration", "1"], "nosuch")
                try refused(["bench", "lab", "--from", "ghost", "--duration", "1"], "network 'lab' has no port or owner named 'ghost'")
                try refused(["bench", "lab", "--duration", "0"], "duration must be from 1 to 60 seconds, not 0")
                try refused(["bench", "lab", "--duration", "61"], "duration must be from 1 to 60 seconds, not 61")
                try refused(["bench", "lab", "--tool", "netperf"], "--tool must be one of auto, iperf3, builtin")
                // Nothing was made for any of them.
                #expect(try Self.benchNamespaces().isEmpty)
                // The API refuses the same without the CLI's checks.
                let api = try daemon.namespace.exec(["curl", "-s", "--unix-socket", daemon.socketPath, "-X", "POST", "-d", #"{"duration":61}"#,
                                                     "http://patchbayd/v1/networks/lab/bench"])
                #expect(api.stdout.contains("duration must be from 1 to 60 seconds, not 61"), "\(api)")
            }
        }
    }
}
