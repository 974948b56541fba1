import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    @Suite("Daemon restarts (root, namespaces)")
    struct RestartTests {
        @Test func kill9AndRestartLoseNothingAndLeaveTheBridgeUntouched() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", Conformance.path("isolated-network")])
                let other = try daemon.file("idle.xml", "<network><name>idle</name><ip address='10.90.0.1' prefix='24'/></network>")
                try daemon.ok(["net-define", other])
                try daemon.ok(["net-autostart", "idle"])
                try daemon.ok(["net-autostart", "--disable", "idle"])
                try daemon.ok(["net-start", "private"])
                let before = try #require(try daemon.namespace.link("virbr2"))
                let listBefore = try daemon.ok(["net-list", "--all", "--json"])

                let stopped = daemon.stop(signal: SIGKILL)
                #expect(stopped == 128 + SIGKILL)
                try daemon.start()

                #expect(try daemon.ok(["net-list", "--all", "--json"]) == listBefore)
                let after = try #require(try daemon.namespace.link("virbr2"))
                // Same ifindex: the bridge was not deleted and re-created.
                #expect(after["ifindex"] as? Int == before["ifindex"] as? Int)
                #expect(try daemon.namespace.addresses("virbr2").contains("192.168.152.1/24"))
                #expect(daemon.logs.contains("network private: intact"))
            }
        }

        @Test func restartRepairsWhatWasChangedBehindItsBack() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", Conformance.path("isolated-network")])
                try daemon.ok(["net-start", "private"])
                let before = try #require(try daemon.namespace.link("virbr2"))
                daemon.stop(signal: SIGKILL)
                try Command.check("ip", ["-n", daemon.namespace.name, "addr", "flush", "dev", "virbr2"])
                try Command.check("ip", ["-n", daemon.namespace.name, "link", "set", "virbr2", "down"])
                try daemon.start()
                let after = try #require(try daemon.namespace.link("virbr2"))
                #expect(after["ifindex"] as? Int == before["ifindex"] as? Int)
                #expect((after["flags"] as? [String])?.contains("UP") == true)
                #expect(try daemon.namespace.addresses("virbr2").contains("192.168.152.1/24"))
            }
        }

        @Test func sigtermStopsCleanlyAndLeavesNetworksRunning() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", Conformance.path("isolated-network")])
                try daemon.ok(["net-start", "private"])
                let stopped = daemon.stop(signal: SIGTERM)
                #expect(stopped == 0)
                #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
                #expect(try daemon.namespace.link("virbr2") != nil)
                #expect(daemon.logs.contains("patchbayd stopped"))
            }
        }

        @Test func autostartNetworksStartWithTheDaemon() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", Conformance.path("isolated-network")])
                #expect(try daemon.ok(["net-autostart", "private"]) == "Network private marked as autostarted\n\n")
                daemon.stop()
                try daemon.start()
                let network = try #require(try daemon.network("private"))
                #expect(network["active"] as? Bool == true)
                #expect(network["autostart"] as? Bool == true)
                #expect(try daemon.namespace.link("virbr2") != nil)
            }
        }
    }
}
