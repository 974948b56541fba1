import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// `patchbay capture` against real traffic between two guest namespaces, every file read
    /// back by tshark: frames tagged with the port they were seen on (interface ids, names and
    /// descriptions), the kernel filter keeping other traffic out, --count ending the capture,
    /// --pcap, an owner as target, standard output into `tshark -r -`, the errors a bad filter,
    /// an unknown port and a stopped network give, and a client that goes away ending a quiet
    /// capture and closing its sockets.
    @Suite("Packet capture (root, namespaces, tshark)", .serialized)
    struct CaptureTests {
        static let network = """
            <network><name>lab</name><bridge name='pbcap0' stp='off'/>
            <ip address='10.87.0.1' netmask='255.255.255.0'/></network>
            """

        struct Guests {
            var first: TestNamespace, second: TestNamespace
            var firstDevice: String, secondDevice: String
            var firstUUID: String
        }

        /// A daemon with `lab` running and two guests on veth ports: vm1 at 10.87.0.11, vm2 at .12.
        static func withGuests(_ body: (DaemonHarness, Guests) async throws -> Void) async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbk") { first in
                    try await TestNamespace.with(prefix: "pbk") { second in
                        let a = try NWFilterTests.guest(daemon, first, owner: "vm1", mac: "52:54:00:87:00:11")
                        let b = try NWFilterTests.guest(daemon, second, owner: "vm2", mac: "52:54:00:87:00:12")
                        try Command.check("ip", ["-n", first.name, "addr", "add", "10.87.0.11/24", "dev", "eth0"])
                        try Command.check("ip", ["-n", second.name, "addr", "add", "10.87.0.12/24", "dev", "eth0"])
                        // Both ports forward before any capture starts.
                        #expect(try first.exec(["ping", "-c", "1", "-W", "5", "10.87.0.12"]).succeeded)
                        try await body(daemon, Guests(first: first, second: second, firstDevice: try #require(a["device"] as? String),
                                                      secondDevice: try #require(b["device"] as? String),
                                                      firstUUID: try #require(a["uuid"] as? String)))
                    }
                }
            }
        }

        /// Packet sockets open in the daemon's namespace: a capture adds one per port.
        static func packetSockets(_ daemon: DaemonHarness) throws -> Int {
            try daemon.namespace.exec(["cat", "/proc/net/packet"]).stdout.split(separator: "\n").count - 1
        }

        /// Starts `patchbay capture ARGS` (output to `output`) and waits until its sockets are
        /// bound: `ports` more packet sockets than before.
        static func startCapture(_ daemon: DaemonHarness, _ arguments: [String], ports: Int, output: String) async throws -> ChildProcess {
            let before = try packetSockets(daemon)
            let child = try ChildProcess(Binaries.patchbay, ["capture"] + arguments, outputPath: output,
                                         errorPath: output + ".err", environment: ["PATCHBAY_SOCKET": daemon.socketPath])
            try await NWFilterTests.waitFor("the capture's \(ports) sockets", timeout: 15) {
                if !child.isRunning { throw HarnessError("capture ended early: \((try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? "")") }
                return try packetSockets(daemon) >= before + ports
            }
            return child
        }

        static func waitForExit(_ child: ChildProcess, _ what: String, timeout: TimeInterval = 20) async throws {
            try await NWFilterTests.waitFor(what, timeout: timeout) { !child.isRunning }
        }

        static func tshark(_ file: String, _ fields: [String]) throws -> [[String]] {
            let result = try Command.run("tshark", ["-r", file, "-T", "fields", "-E", "separator=|"] + fields.flatMap { ["-e", $0] })
            #expect(result.succeeded, "\(result)")
            return result.stdout.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        }

        @Test func framesSayWhichPortTheyWereSeenOn() async throws {
            try await Self.withGuests { daemon, guests in
                let file = daemon.directory + "/icmp.pcapng"
                // Two pings: each request and reply is seen leaving vm1's port and entering vm2's
                // (or back): 8 frames, and nothing else (the filter keeps ARP out).
                let capture = try await Self.startCapture(daemon, ["lab", "--filter", "icmp", "--count", "8", "-w", file], ports: 2,
                                                          output: daemon.directory + "/capture.out")
                #expect(try guests.first.exec(["ping", "-c", "2", "-i", "0.2", "-W", "5", "10.87.0.12"]).succeeded)
                try await Self.waitForExit(capture, "--count 8 to end the capture")
                #expect(capture.exitCode == 0, "\((try? String(contentsOfFile: daemon.directory + "/capture.out.err", encoding: .utf8)) ?? "")")
                let rows = try Self.tshark(file, ["frame.interface_id", "frame.interface_name", "frame.interface_description",
                                                  "ip.src", "ip.dst", "icmp.type"])
                #expect(rows.count == 8, "\(rows)")
                let byName = Dictionary(grouping: rows, by: { $0[1] })
                #expect(Set(byName.keys) == [guests.firstDevice, guests.secondDevice], "\(rows)")
                #expect(byName[guests.firstDevice]?.count == 4 && byName[guests.secondDevice]?.count == 4)
                // Interface ids are consistent with the names, and each IDB describes its port.
                #expect(Set(rows.map { "\($0[0])=\($0[1])" }).count == 2)
                #expect(rows.first { $0[1] == guests.firstDevice }?[2] == "vm1/\(guests.firstUUID)/52:54:00:87:00:11", "\(rows)")
                #expect(rows.first { $0[1] == guests.secondDevice }?[2].hasPrefix("vm2/") == true)
                #expect(rows.allSatisfy { Set([$0[3], $0[4]]) == ["10.87.0.11", "10.87.0.12"] }, "\(rows)")
                #expect(rows.filter { $0[5] == "8" }.count == 4 && rows.filter { $0[5] == "0" }.count == 4)
            }
        }

        @Test func filtersCountsOwnersPcapAndStandardOutput() async throws {
            try await Self.withGuests { daemon, guests in
                // The filter is run in the kernel: pings to the gateway never reach the file.
                let file = daemon.directory + "/to-vm2.pcap"
                let capture = try await Self.startCapture(daemon, ["lab", "--filter", "icmp and host 10.87.0.12", "--count", "3", "--pcap",
                                                                   "-w", file], ports: 2, output: daemon.directory + "/pcap.out")
                #expect(try guests.first.exec(["ping", "-c", "3", "-i", "0.2", "-W", "5", "10.87.0.1"]).succeeded)
                let pinger = try ChildProcess("ip", ["netns", "exec", guests.first.name, "ping", "-i", "0.2", "-W", "1", "10.87.0.12"])
                defer { pinger.stop(grace: 1) }
                try await Self.waitForExit(capture, "--count 3 to end the capture")
                let magic = try #require(FileHandle(forReadingAtPath: file)).readData(ofLength: 4)
                #expect(Array(magic) == [0xD4, 0xC3, 0xB2, 0xA1], "classic pcap, little-endian, microseconds")
                let rows = try Self.tshark(file, ["ip.src", "ip.dst", "frame.interface_name"])
                #expect(rows.count == 3, "\(rows)")
                #expect(rows.allSatisfy { $0[0] == "10.87.0.12" || $0[1] == "10.87.0.12" }, "\(rows)")
                #expect(rows.allSatisfy { $0[2].isEmpty }, "pcap has no interface names: \(rows)")

                // An owner: its port alone.
                let owned = daemon.directory + "/vm2.pcapng"
                let ownerCapture = try await Self.startCapture(daemon, ["vm2", "--filter", "icmp", "--count", "2", "-w", owned], ports: 1,
                                                               output: daemon.directory + "/owner.out")
                try await Self.waitForExit(ownerCapture, "the owner's capture")
                #expect(try Self.tshark(owned, ["frame.interface_name"]).map { $0[0] } == [guests.secondDevice, guests.secondDevice])

                // Standard output into tshark, and a port named by its device.
                let piped = try Command.run("/bin/sh", ["-c", "\"$0\" capture \"$1\" --filter icmp --count 4 | tshark -r - -T fields -e frame.interface_name",
                                                        Binaries.patchbay, "lab:\(guests.firstDevice)"],
                                            environment: ["PATCHBAY_SOCKET": daemon.socketPath])
                #expect(piped.succeeded, "\(piped)")
                #expect(piped.stdout.split(separator: "\n").map(String.init) == Array(repeating: guests.firstDevice, count: 4), "\(piped)")
            }
        }

        @Test func badInputIsRefusedByNameAndAClientThatLeavesEndsTheCapture() async throws {
            try await Self.withGuests { daemon, guests in
                let file = daemon.directory + "/never.pcapng"
                let bad = try daemon.cli(["capture", "lab", "--filter", "host nonsense and", "-w", file])
                #expect(bad.status == 1 && bad.stderr.contains("invalid capture filter 'host nonsense and': "), "\(bad)")
                #expect(!FileManager.default.fileExists(atPath: file), "a refused capture leaves no file")
                let port = try daemon.cli(["capture", "lab:vnet99", "-w", file])
                #expect(port.status == 1 && port.stderr.contains("network 'lab' has no port 'vnet99'"), "\(port)")
                let nobody = try daemon.cli(["capture", "nowhere", "-w", file])
                #expect(nobody.status == 1 && nobody.stderr.contains("no network, network:port or owner named 'nowhere'"), "\(nobody)")
                try daemon.ok(["net-define", try daemon.file("off.xml", "<network><name>off</name><bridge name='pbcap1'/></network>")])
                let stopped = try daemon.cli(["capture", "off", "-w", file])
                #expect(stopped.status == 1 && stopped.stderr.contains("network 'off' is not active"), "\(stopped)")
                let count = try daemon.cli(["capture", "lab", "--count", "0", "-w", file])
                #expect(count.status == 1 && count.stderr.contains("the capture count must be a whole number from 1 to"), "\(count)")
                let snap = try daemon.cli(["capture", "lab", "--snaplen", "999999", "-w", file])
                #expect(snap.status == 1 && snap.stderr.contains("the capture snaplen must be a whole number"), "\(snap)")
                // The same over HTTP: 400 with libpcap's message, 404 naming the port.
                let http = try daemon.namespace.exec(["curl", "-s", "-w", "\n%{http_code}", "--unix-socket", daemon.socketPath,
                                                      "http://patchbayd/v1/capture?target=lab&filter=tcp%20port"])
                #expect(http.stdout.hasSuffix("\n400") && http.stdout.contains("invalid capture filter 'tcp port'"), "\(http)")

                // A quiet capture with no end, its client killed: the daemon notices, and the
                // capture's two sockets close. The daemon still answers.
                let baseline = try Self.packetSockets(daemon)
                let endless = try await Self.startCapture(daemon, ["lab", "--filter", "udp port 9", "-w", daemon.directory + "/quiet.pcapng"],
                                                          ports: 2, output: daemon.directory + "/quiet.out")
                endless.signal(SIGKILL)
                try await NWFilterTests.waitFor("the capture's sockets to close", timeout: 10) { try Self.packetSockets(daemon) == baseline }
                #expect(try daemon.cli(["net-list"]).succeeded)

                // A daemon told to stop ends an endless capture rather than wait for it; the
                // CLI then ends as after any capture, with a file tshark reads.
                let last = daemon.directory + "/last.pcapng"
                let running = try await Self.startCapture(daemon, ["lab", "--filter", "icmp", "-w", last], ports: 2,
                                                          output: daemon.directory + "/last.out")
                #expect(try guests.first.exec(["ping", "-c", "1", "-W", "5", "10.87.0.12"]).succeeded)
                let asked = Date()
                #expect(daemon.stop(signal: SIGTERM) == 0, "\(daemon.logs.suffix(3000))")
                #expect(Date().timeIntervalSince(asked) < 10, "the daemon waited for the capture")
                try await Self.waitForExit(running, "the CLI once the daemon stopped")
                #expect(running.exitCode == 0)
                #expect(try Self.tshark(last, ["frame.interface_name"]).count == 4)
            }
        }
    }
}
