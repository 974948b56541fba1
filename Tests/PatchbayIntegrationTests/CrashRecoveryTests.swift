import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The daemon killed (SIGKILL, by itself: `PATCHBAY_TEST_CRASH_AT=<step>`) at every named
    /// step of start, destroy, update, undefine, port create and port delete; the next daemon
    /// finishes or undoes what was half done, read back with `ip -j`, `nft -j` and `ss`, and the
    /// network works again.
    @Suite("Crash at every step (root, namespaces)")
    struct CrashRecoveryTests {
        static let network = """
            <network>
              <name>lab</name>
              <forward mode='nat'/>
              <bridge name='pbcrash0' stp='off'/>
              <ip address='10.74.0.1' netmask='255.255.255.0'>
                <dhcp><range start='10.74.0.100' end='10.74.0.200'/></dhcp>
              </ip>
            </network>
            """

        enum Outcome { case active, inactive, gone }

        struct Case: Sendable, CustomTestStringConvertible {
            var step: String
            /// What is in place before the crashing operation.
            var started: Bool
            var withPort: Bool
            var operation: [String]
            var after: Outcome
            var testDescription: String { step }
        }

        static let cases: [Case] = [
            "start.intent", "start.bridge-created", "start.bridge-tagged", "start.bridge-renamed", "start.addresses", "start.firewall",
            "start.services",
        ].map { Case(step: $0, started: false, withPort: false, operation: ["net-start", "lab"], after: .inactive) }
        + ["destroy.intent", "destroy.services", "destroy.firewall", "destroy.bridge"].map {
            Case(step: $0, started: true, withPort: true, operation: ["net-destroy", "lab"], after: .inactive)
        }
        + [Case(step: "update.services", started: true, withPort: false,
                operation: ["net-update", "lab", "add", "ip-dhcp-host", "<host mac='52:54:00:74:00:01' ip='10.74.0.5'/>", "--live", "--config"],
                after: .active),
           Case(step: "undefine.intent", started: false, withPort: false, operation: ["net-undefine", "lab"], after: .gone)]
        + ["port-create.reserved", "port-create.device", "port-create.tagged", "port-create.attached"].map {
            Case(step: $0, started: true, withPort: false, operation: ["net-port-create", "lab", "--owner", "vm1"], after: .active)
        }
        + ["port-delete.marked", "port-delete.device"].map {
            Case(step: $0, started: true, withPort: true, operation: ["net-port-delete", "lab", "PORT"], after: .active)
        }

        @Test(arguments: cases)
        func theNextDaemonFinishesOrUndoesWhatWasHalfDone(_ test: Case) async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                if test.started { try daemon.ok(["net-start", "lab"]) }
                var port = ""
                if test.withPort {
                    let created = try JSONSerialization.jsonObject(with: Data(try daemon.ok(["net-port-create", "lab", "--owner", "vm0", "--json"]).utf8))
                    port = (created as? [String: Any])?["uuid"] as? String ?? ""
                }
                daemon.stop()
                try daemon.start(environment: ["PATCHBAY_TEST_CRASH_AT": test.step])
                let attempt = try daemon.cli(test.operation.map { $0 == "PORT" ? port : $0 })
                #expect(attempt.status == 1, "\(test.step): \(attempt)")
                #expect(daemon.logs.contains("killed at \(test.step)"), "\(test.step) was never reached:\n\(daemon.logs.suffix(3000))")
                #expect(daemon.stop() == 128 + SIGKILL)

                try daemon.start()
                try await Self.expectSettled(daemon, test.after, step: test.step)
                if test.step.hasPrefix("port-delete") {
                    #expect(!(try daemon.ok(["net-port-list", "lab"]).contains(port)), "\(test.step): the port is still listed")
                }
                // And it all works again.
                switch test.after {
                case .inactive:
                    try daemon.ok(["net-start", "lab"])
                    try await Self.expectSettled(daemon, .active, step: test.step)
                case .active:
                    try daemon.ok(["net-port-create", "lab", "--owner", "vm9"])
                    try daemon.ok(["net-destroy", "lab"])
                    try await Self.expectSettled(daemon, .inactive, step: test.step)
                case .gone:
                    try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                }
            }
        }

        static func expectSettled(_ daemon: DaemonHarness, _ outcome: Outcome, step: String) async throws {
            let summary = try daemon.network("lab")
            switch outcome {
            case .gone: #expect(summary == nil, "\(step): the network is still defined")
            case .active: #expect(summary?["active"] as? Bool == true, "\(step): the network is not active")
            case .inactive: #expect(summary?["active"] as? Bool == false, "\(step): the network is active")
            }
            let active = outcome == .active
            let link = try daemon.namespace.link("pbcrash0")
            if active {
                #expect(link?["ifalias"] as? String == "patchbay:network:\(summary?["uuid"] as? String ?? "")", "\(step): \(link ?? [:])")
            } else {
                #expect(link == nil, "\(step): the bridge outlived the network")
            }
            let devices = try daemon.namespace.ipJSON(["link", "show"])
            let names = devices.compactMap { $0["ifname"] as? String }
            #expect(!names.contains { $0.hasPrefix("pbtmp") }, "\(step): a temporary device is left: \(names)")
            // Every port device is a listed port's; every listed port has its device.
            let listed = outcome == .gone ? [] : (try JSONSerialization.jsonObject(with: Data(try daemon.ok(["net-port-list", "lab", "--json"]).utf8))
                as? [[String: Any]] ?? [])
            let portDevices = devices.filter { ($0["ifalias"] as? String)?.hasPrefix("patchbay:port:") == true }.compactMap { $0["ifname"] as? String }
            #expect(Set(portDevices) == Set(listed.compactMap { $0["device"] as? String }), "\(step): devices \(portDevices), ports \(listed)")
            #expect(!names.contains { $0.hasPrefix("vnet") && !portDevices.contains($0) }, "\(step): an untagged vnet device is left: \(names)")
            let dhcp = try daemon.namespace.exec(["ss", "-H", "-uan", "sport = :67"]).stdout.split(separator: "\n").filter { $0.contains("%pbcrash0:") }
            #expect(dhcp.count == (active ? 1 : 0), "\(step): \(dhcp.count) DHCP servers")
            let ruleset = try daemon.namespace.exec(["nft", "-j", "list", "ruleset"]).stdout
            #expect(ruleset.contains("out_pbcrash0") == active, "\(step): firewall rules and network disagree")
        }
    }
}
