import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    @Suite("net-edit and net-update through patchbayd (root, namespaces)")
    struct EditAndUpdateTests {
        @Test func netUpdateChangesTheRightDefinitions() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", Conformance.path("isolated-network")])
                let host = "<host mac='52:54:00:aa:bb:cc' name='db' ip='192.168.152.20'/>"

                // Inactive: --current means the persistent definition.
                #expect(try daemon.ok(["net-update", "private", "add", "ip-dhcp-host", host]) == "Updated network private persistent config\n\n")
                #expect(try daemon.ok(["net-dumpxml", "private"]).contains("<host mac='52:54:00:aa:bb:cc' name='db' ip='192.168.152.20'/>"))

                let live = try daemon.cli(["net-update", "private", "add", "dns-host", "<host ip='192.168.152.9'><hostname>x</hostname></host>", "--live"])
                #expect(live.status == 1)
                #expect(live.stderr == "error: network 'private' is not active, so its live state cannot be updated\n")

                try daemon.ok(["net-start", "private"])
                // Active: --current means the live definition only.
                let file = try daemon.file("txt.xml", "<txt name='info' value='hello world'/>")
                #expect(try daemon.ok(["net-update", "private", "add-last", "dns-txt", file]) == "Updated network private live state\n\n")
                #expect(try daemon.ok(["net-dumpxml", "private"]).contains("<txt name='info' value='hello world'/>"))
                #expect(!(try daemon.ok(["net-dumpxml", "--inactive", "private"]).contains("<txt name='info'")))

                #expect(try daemon.ok(["net-update", "private", "delete", "ip-dhcp-host", "<host name='db'/>", "--live", "--config"])
                        == "Updated network private persistent config and live state\n\n")
                #expect(!(try daemon.ok(["net-dumpxml", "--inactive", "private"]).contains("name='db'")))

                let clash = try daemon.cli(["net-update", "private", "add", "ip-dhcp-range", "<range start='192.168.152.100' end='192.168.152.120'/>", "--config"])
                #expect(clash.status == 1)
                #expect(clash.stderr.contains("overlaps range 192.168.152.2 - 192.168.152.254"))

                #expect(try daemon.cli(["net-update", "private", "frob", "dns-txt", "<txt/>"]).status == 2)
                #expect(try daemon.cli(["net-update", "private", "add", "nowhere", "<txt/>"]).status == 2)
                let unsupported = try daemon.cli(["net-update", "private", "modify", "bridge", "<bridge name='x'/>"])
                #expect(unsupported.stderr.contains("can't update 'bridge' section of network 'private'"))
            }
        }

        @Test func netEditAppliesAValidEditAndKeepsTheOldDefinitionOnAnInvalidOne() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", Conformance.path("isolated-network")])
                let before = try daemon.ok(["net-dumpxml", "--inactive", "private"])

                let unchanged = try daemon.cli(["net-edit", "private"], environment: ["EDITOR": "true", "VISUAL": ""])
                #expect(unchanged.stdout == "Network private XML configuration not changed.\n\n")

                let bad = try daemon.cli(["net-edit", "private"],
                                         environment: ["EDITOR": "sed -i s/255.255.255.0/255.0.255.0/", "VISUAL": ""])
                #expect(bad.status == 1)
                #expect(bad.stderr.contains("not a contiguous IPv4 netmask"))
                #expect(bad.stderr.contains("keeps its previous definition"))
                #expect(try daemon.ok(["net-dumpxml", "--inactive", "private"]) == before)

                let good = try daemon.cli(["net-edit", "private"],
                                          environment: ["EDITOR": "sed -i s/192.168.152.254/192.168.152.200/", "VISUAL": ""])
                #expect(good.stdout == "Network private XML configuration edited.\n\n", "\(good)")
                #expect(try daemon.ok(["net-dumpxml", "private"]).contains("<range start='192.168.152.2' end='192.168.152.200'/>"))
            }
        }

        /// B-M9: the edited copy lives in a fresh directory only its user can enter, with a name
        /// nobody could have made beforehand, so the definition cannot be swapped under the editor.
        @Test func netEditsCopyIsPrivate() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", Conformance.path("isolated-network")])
                let record = daemon.directory + "/editor-saw"
                let editor = try daemon.file("editor.sh", "#!/bin/sh\nstat -c '%a %n' \"$(dirname \"$1\")\" \"$1\" > \(record)\n")
                try Command.check("chmod", ["+x", editor])
                let result = try daemon.cli(["net-edit", "private"], environment: ["EDITOR": editor, "VISUAL": ""])
                #expect(result.stdout == "Network private XML configuration not changed.\n\n", "\(result)")
                let seen = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ") }
                #expect(seen.count == 2)
                #expect(seen.first?.first == "700")
                #expect(seen.last?.first == "600")
                let directory = String(seen.first?.last ?? "")
                #expect(directory.contains("/patchbay-edit-") && !directory.hasSuffix("-\(getpid())"))
                #expect(!FileManager.default.fileExists(atPath: directory))
            }
        }
    }
}
