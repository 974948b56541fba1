import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// `patchbay tune` against a daemon in the test's namespace: the checks listed, and a
    /// per-namespace sysctl (net.ipv4.tcp_wmem) applied and restored, read back with sysctl
    /// inside the namespace. The machine's own namespace is never written.
    @Suite("Tune (root, namespaces)", .serialized)
    struct TuneTests {
        static let network = """
            <network><name>lab</name><bridge name='pbtune0' stp='off'/><ip address='10.89.0.1' netmask='255.255.255.0'/></network>
            """

        static func report(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
        }

        static func checks(_ report: [String: Any]) throws -> [String: [String: Any]] {
            let list = try #require(report["checks"] as? [[String: Any]])
            return Dictionary(list.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        }

        static func sysctl(_ daemon: DaemonHarness, _ key: String) throws -> String {
            try daemon.namespace.exec(["sysctl", "-n", key]).stdout.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
                .joined(separator: " ")
        }

        @Test func checkListsEveryCheck() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try daemon.ok(["net-port-create", "lab", "--owner", "vm1", "--queues", "4"])
                let report = try Self.report(try daemon.ok(["tune", "--check", "--json"]))
                #expect(report["action"] as? String == "check")
                #expect((report["changes"] as? [Any])?.isEmpty == true)
                let checks = try Self.checks(report)
                for name in ["sysctl net.core.rmem_max", "sysctl net.core.wmem_max", "sysctl net.ipv4.tcp_rmem", "sysctl net.ipv4.tcp_wmem",
                             "sysctl net.core.netdev_max_backlog", "vhost-net", "multiqueue TAPs", "offload gro pbtune0",
                             "offload tx-checksum pbtune0", "rings pbtune0", "queues pbtune0"] {
                    let check = try #require(checks[name], "no \(name) in \(checks.keys.sorted())")
                    for field in ["current", "recommended", "why", "status"] { #expect(check[field] is String, "\(name).\(field)") }
                }
                // Measured on this kernel: netdev_max_backlog is global (absent in a child namespace),
                // there is no /dev/vhost-net, a bridge has no rings, and Patchbay's bridge has
                // transmit checksumming off as it wants.
                #expect(checks["sysctl net.core.netdev_max_backlog"]?["status"] as? String == "unavailable")
                #expect(checks["vhost-net"]?["status"] as? String == (FileManager.default.fileExists(atPath: "/dev/vhost-net") ? "ok" : "advice"))
                #expect(checks["rings pbtune0"]?["status"] as? String == "unavailable")
                #expect(checks["offload tx-checksum pbtune0"]?["status"] as? String == "ok")
                let taps = checks["multiqueue TAPs"]?["current"] as? String
                #expect(taps?.contains("4 queues") == true, "\(String(describing: taps))")
                let table = try daemon.ok(["tune"])
                #expect(table.contains("sysctl net.ipv4.tcp_wmem") && table.contains("Recommended"), "\(table)")
            }
        }

        @Test func applyThenUndoRestoresASysctlOfTheNamespace() async throws {
            try await DaemonHarness.with { daemon in
                let key = "net.ipv4.tcp_wmem"
                // A value the advice raises, set in the test's namespace only.
                _ = try daemon.namespace.exec(["sysctl", "-w", "\(key)=4096 16384 4194304"])
                #expect(try Self.sysctl(daemon, key) == "4096 16384 4194304")
                let applied = try Self.report(try daemon.ok(["tune", "--apply", "--json"]))
                let changes = try #require(applied["changes"] as? [[String: Any]])
                let change = try #require(changes.first { $0["key"] as? String == key }, "\(changes)")
                #expect(change["failure"] == nil, "\(change)")
                #expect(change["previous"] as? String == "4096 16384 4194304")
                #expect(try Self.sysctl(daemon, key) == "4096 16384 16777216")
                #expect(try Self.checks(applied)["sysctl \(key)"]?["status"] as? String == "ok")
                let record = try #require(applied["undoRecord"] as? String)
                #expect(FileManager.default.fileExists(atPath: record))

                let undone = try Self.report(try daemon.ok(["tune", "--undo", "--json"]))
                #expect((undone["changes"] as? [[String: Any]])?.contains { $0["key"] as? String == key && $0["value"] as? String == "4096 16384 4194304" } == true,
                        "\(undone)")
                #expect(try Self.sysctl(daemon, key) == "4096 16384 4194304")
                #expect(!FileManager.default.fileExists(atPath: record))
                // A second undo has nothing left to do.
                #expect((try Self.report(try daemon.ok(["tune", "--undo", "--json"]))["changes"] as? [Any])?.isEmpty == true)
                #expect(try daemon.cli(["tune", "--apply", "--undo"]).status == 2)
            }
        }
    }
}
