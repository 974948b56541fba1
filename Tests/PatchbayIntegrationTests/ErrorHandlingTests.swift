import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    @Suite("CLI errors and exit statuses (root, namespaces)")
    struct ErrorHandlingTests {
        @Test func badInputGivesOneClearLineExit1AndChangesNothing() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", Conformance.path("isolated-network")])
                let before = try daemon.ok(["net-list", "--all", "--json"])

                let malformed = try daemon.file("bad.xml", "<network>\n  <name>broken</name>\n  <ip address='10.0.0.1'>\n</network>\n")
                let bad = try daemon.cli(["net-define", malformed])
                #expect(bad.status == 1)
                #expect(bad.stderr.hasPrefix("error: invalid network XML: "))
                #expect(bad.stderr.contains("line 4"))
                #expect(bad.stderr.split(separator: "\n").count == 1)

                let duplicate = try daemon.file("dup.xml", "<network><name>private</name><ip address='10.1.0.1' prefix='24'/></network>")
                let dup = try daemon.cli(["net-define", duplicate])
                #expect(dup.status == 1)
                #expect(dup.stderr == "error: network 'private' already exists with UUID 81ff0d90-c91e-6742-64da-4a736edb9a9b\n")

                let unknown = try daemon.cli(["net-start", "nosuch"])
                #expect(unknown.status == 1)
                #expect(unknown.stderr == "error: network 'nosuch' not found\n")

                let missingFile = try daemon.cli(["net-define", "/nonexistent.xml"])
                #expect(missingFile.status == 1)
                #expect(missingFile.stderr == "error: cannot read network XML file '/nonexistent.xml'\n")

                #expect(try daemon.ok(["net-list", "--all", "--json"]) == before)
                #expect(try daemon.namespace.link("virbr2") == nil)
            }
        }

        @Test func badUsageExits2() async throws {
            try await DaemonHarness.with { daemon in
                let missingArgument = try daemon.cli(["net-start"])
                #expect(missingArgument.status == 2)
                #expect(missingArgument.stderr.contains("Missing expected argument"))
                #expect(try daemon.cli(["net-frobnicate"]).status == 2)
                #expect(try daemon.cli(["net-list", "--all", "--inactive"]).status == 2)
                #expect(try daemon.cli(["--help"]).status == 0)
            }
        }

        @Test func anUnreachableDaemonIsNamed() throws {
            let result = try Command.run(Binaries.patchbay, ["net-list", "--socket", "/nonexistent/patchbay.sock"])
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("error: cannot reach patchbayd at /nonexistent/patchbay.sock"))
        }

        @Test func aSecondDaemonOnTheSameStateDirectoryRefusesToRun() async throws {
            try await DaemonHarness.with { daemon in
                let second = try daemon.namespace.exec([Binaries.patchbayd, "--socket", daemon.directory + "/other.sock",
                                                       "--helper-socket", daemon.directory + "/other-helper.sock",
                                                       "--state-dir", daemon.stateDirectory])
                #expect(second.status != 0)
                #expect(second.stderr.contains("another patchbayd is already using"))
            }
        }

        /// B-L1: the API socket is 0660 and the administrators' group's from the start, the state
        /// directory the daemon's alone, even when it existed with another mode.
        @Test func theSocketAndStateDirectoryHaveTheirDocumentedModes() async throws {
            try await DaemonHarness.with { daemon in
                daemon.stop()
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: daemon.stateDirectory)
                try daemon.start(arguments: ["--socket-group", "nogroup"])
                let socket = try FileManager.default.attributesOfItem(atPath: daemon.socketPath)
                #expect((socket[.posixPermissions] as? Int) == 0o660)
                #expect((socket[.groupOwnerAccountName] as? String) == "nogroup")
                #expect((socket[.ownerAccountID] as? Int) == 0)
                let state = try FileManager.default.attributesOfItem(atPath: daemon.stateDirectory)
                #expect((state[.posixPermissions] as? Int) == 0o700)
                let helper = try FileManager.default.attributesOfItem(atPath: daemon.helperSocketPath)
                #expect((helper[.posixPermissions] as? Int) == 0o666)
                daemon.stop()
                let refused = try daemon.namespace.exec([Binaries.patchbayd, "--socket", daemon.socketPath, "--state-dir", daemon.stateDirectory,
                                                         "--helper-socket", daemon.helperSocketPath, "--socket-group", "no-such-group-here"])
                #expect(refused.status != 0)
                #expect(refused.stderr.contains("--socket-group: no group named 'no-such-group-here'"), "\(refused)")
            }
        }
    }
}
