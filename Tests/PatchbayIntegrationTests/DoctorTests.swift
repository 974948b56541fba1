import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// `patchbay doctor` against real faults: a healthy NAT network (an upstream namespace with a
    /// resolver and the default route through it, a guest with a lease) gives a clean report and
    /// exit 0; each test then breaks exactly one thing in the namespaces and expects the doctor to
    /// name it, with its cause and fix, and the exit status to say so.
    @Suite("Doctor (root, namespaces)", .serialized)
    struct DoctorTests {
        static func network(range: (String, String) = ("10.88.0.100", "10.88.0.149")) -> String {
            """
            <network><name>lab</name><forward mode='nat'/><bridge name='pbdr0' stp='off'/>
            <ip address='10.88.0.1' netmask='255.255.255.0'><dhcp><range start='\(range.0)' end='\(range.1)'/></dhcp></ip></network>
            """
        }

        struct Lab {
            let daemon: DaemonHarness
            let guest: TestNamespace
            let resolvConf: String

            /// The report as JSON, and the CLI's exit status.
            func doctor(_ extra: [String] = []) throws -> (status: Int32, checks: [[String: Any]], text: String) {
                let run = try daemon.cli(["doctor", "--json"] + extra)
                let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
                let text = try daemon.cli(["doctor"] + extra).stdout
                return (run.status, object?["checks"] as? [[String: Any]] ?? [], text)
            }

            /// A text field of a check, empty when absent.
            func field(_ check: [String: Any]?, _ key: String) -> String { check?[key] as? String ?? "" }

            /// nft in the daemon's namespace, rules from standard input.
            func nft(_ rules: String) throws {
                let run = try Command.run("ip", ["netns", "exec", daemon.namespace.name, "nft", "-f", "-"], input: rules)
                guard run.succeeded else { throw HarnessError("nft failed: \(run)") }
            }

            func sysctl(_ setting: String) throws {
                try Command.check("ip", ["netns", "exec", daemon.namespace.name, "sysctl", "-qw", setting])
            }

            func check(_ id: String, _ checks: [[String: Any]], where match: ([String: Any]) -> Bool = { _ in true }) -> [String: Any]? {
                checks.first { $0["id"] as? String == id && match($0) }
            }
        }

        /// A daemon whose host has a default route and a resolver upstream, a NAT network, and a
        /// guest (vm1) holding a lease.
        static func withLab(arguments: [String] = [], range: (String, String) = ("10.88.0.100", "10.88.0.149"),
                            _ body: (Lab) async throws -> Void) async throws {
            try await TestNamespace.with(prefix: "pbg") { guest in
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-doctor-\(guest.name)").path
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let resolvConf = directory + "/resolv.conf"
                try "nameserver 198.51.100.2\n".write(toFile: resolvConf, atomically: true, encoding: .utf8)
                try await DaemonHarness.with(arguments: ["--resolv-conf", resolvConf] + arguments) { daemon in
                    try await daemon.withUpstream(routes: ["10.88.0.0/24"]) { upstream in
                        try upstream.serveDNS(["example.test": "198.51.100.7"])
                        try Command.check("ip", ["-n", daemon.namespace.name, "route", "add", "default", "via", Upstream.address])
                        try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network(range: range))])
                        try daemon.ok(["net-start", "lab"])
                        _ = try daemon.ok(["net-port-create", "lab", "--owner", "vm1", "--type", "veth", "--netns", guest.name, "--mac", "52:54:00:88:00:01"])
                        try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                        let lease = try guest.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1",
                                                    "-s", try DHCPClientTests.udhcpcScript(in: daemon.directory)])
                        #expect(lease.succeeded, "\(lease)")
                        try await body(Lab(daemon: daemon, guest: guest, resolvConf: resolvConf))
                    }
                }
            }
        }

        @Test func aHealthyNetworkGivesACleanReport() async throws {
            try await Self.withLab { lab in
                let (status, checks, text) = try lab.doctor()
                let problems = checks.filter { ["warning", "error"].contains($0["status"] as? String) }
                #expect(status == 0 && problems.isEmpty, "\(problems)\n\(text)")
                for id in ["ip-forwarding", "upstream", "foreign-forward-chain", "bridge-netfilter", "dns-upstream", "dhcp-answers", "dhcp-pool",
                           "mtu", "port-carrier", "port-state", "guest-lease", "mac-flapping", "duplicate-ip", "vlan"] {
                    #expect(lab.check(id, checks) != nil, "no \(id) check")
                }
                #expect(lab.field(lab.check("dhcp-answers", checks), "found").contains("OFFER of 10.88.0."))
                #expect(text.contains("No problems found"), "\(text)")
                // A network that does not exist is refused by name.
                let unknown = try lab.daemon.cli(["doctor", "nosuch"])
                #expect(unknown.status == 1 && unknown.stderr.contains("network 'nosuch' not found"), "\(unknown)")
            }
        }

        @Test func forwardingOffAndNoDefaultRouteAreNamed() async throws {
            try await Self.withLab { lab in
                try lab.sysctl("net.ipv4.ip_forward=0")
                var (status, checks, text) = try lab.doctor()
                #expect(status == 3 && lab.check("ip-forwarding", checks)?["status"] as? String == "error", "\(text)")
                #expect(text.contains("FAIL  ip-forwarding") && text.contains("fix:   sysctl -w net.ipv4.ip_forward=1"), "\(text)")
                try lab.sysctl("net.ipv4.ip_forward=1")
                try Command.check("ip", ["-n", lab.daemon.namespace.name, "route", "del", "default"])
                (status, checks, text) = try lab.doctor(["lab"])
                #expect(status == 3 && lab.check("upstream", checks)?["status"] as? String == "error", "\(text)")
                #expect(lab.field(lab.check("upstream", checks), "found").contains("no default route"))
                #expect(lab.check("ip-forwarding", checks)?["status"] as? String == "ok")
            }
        }

        @Test func anMTUMismatchNoCarrierAndADisabledPortAreNamed() async throws {
            try await Self.withLab { lab in
                try Command.check("ip", ["-n", lab.daemon.namespace.name, "link", "set", "vnet0", "mtu", "1400"])
                var (status, checks, text) = try lab.doctor()
                let mtu = lab.check("mtu", checks)
                #expect(status == 3 && mtu?["status"] as? String == "error" && lab.field(mtu, "found").contains("vnet0 ('vm1') 1400"), "\(text)")
                try Command.check("ip", ["-n", lab.daemon.namespace.name, "link", "set", "vnet0", "mtu", "1500"])
                // The guest's end goes down: no carrier on its port, a warning (exit 4).
                try Command.check("ip", ["-n", lab.guest.name, "link", "set", "eth0", "down"])
                try await NWFilterTests.waitFor("the carrier to drop", timeout: 10) {
                    (try? lab.doctor())?.checks.contains { $0["id"] as? String == "port-carrier" && $0["status"] as? String == "warning" } == true
                }
                (status, checks, text) = try lab.doctor()
                #expect(status == 4 && lab.field(lab.check("port-carrier", checks), "found").contains("no carrier"), "\(text)")
                try Command.check("ip", ["-n", lab.guest.name, "link", "set", "eth0", "up"])
                try await NWFilterTests.waitFor("the carrier to come back", timeout: 10) {
                    (try? lab.doctor())?.status == 0
                }
                // A port taken out of forwarding (as the loop guard does): an error naming it.
                try Command.check("bridge", ["-n", lab.daemon.namespace.name, "link", "set", "dev", "vnet0", "state", "0"])
                (status, checks, text) = try lab.doctor()
                let state = lab.check("port-state", checks) { ($0["checked"] as? String ?? "").contains("vnet0") }
                #expect(status == 3 && state?["status"] as? String == "error" && lab.field(state, "found").hasPrefix("disabled"), "\(text)")
            }
        }

        @Test func aGuestWithoutALeaseAndAFullPoolAreNamed() async throws {
            try await Self.withLab(range: ("10.88.0.100", "10.88.0.101")) { lab in
                try await TestNamespace.with(prefix: "pbh") { second in
                    _ = try lab.daemon.ok(["net-port-create", "lab", "--owner", "vm2", "--type", "veth", "--netns", second.name, "--mac", "52:54:00:88:00:02"])
                    try Command.check("ip", ["-n", second.name, "link", "set", "eth0", "up"])
                    try await NWFilterTests.waitFor("vm2's carrier", timeout: 10) {
                        (try? lab.doctor())?.checks.contains { $0["id"] as? String == "guest-lease" && ($0["checked"] as? String ?? "").contains("vm2") } == true
                    }
                    var (status, checks, text) = try lab.doctor()
                    let lease = lab.check("guest-lease", checks) { ($0["checked"] as? String ?? "").contains("vm2") }
                    #expect(status == 4 && lease?["status"] as? String == "warning", "\(text)")
                    // vm2 takes the pool's last address: the pool is exhausted.
                    let taken = try second.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1",
                                                 "-s", try DHCPClientTests.udhcpcScript(in: lab.daemon.directory)])
                    #expect(taken.succeeded, "\(taken)")
                    (status, checks, text) = try lab.doctor()
                    #expect(status == 3 && lab.check("dhcp-pool", checks)?["status"] as? String == "error", "\(text)")
                    #expect(lab.field(lab.check("dhcp-pool", checks), "found").contains("2 of 2 addresses leased"))
                }
            }
        }

        @Test func aDHCPServerThatDoesNotAnswerIsNamed() async throws {
            try await Self.withLab { lab in
                // Replies dropped on their way out: the server decides, nobody hears it.
                try lab.nft("table ip doctorbreak { chain out { type filter hook output priority 0; udp sport 67 drop; }; }")
                let (status, checks, text) = try lab.doctor()
                #expect(status == 3 && lab.check("dhcp-answers", checks)?["status"] as? String == "error", "\(text)")
                #expect(text.contains("no OFFER came back"), "\(text)")
                // The temporary port is gone again.
                #expect(!(try Command.check("ip", ["-n", lab.daemon.namespace.name, "-o", "link"]).stdout.contains("pbdoc")), "a probe port was left behind")
            }
        }

        @Test func unreachableAndLoopingResolversAreNamed() async throws {
            try await Self.withLab { lab in
                try "nameserver 198.51.100.9\n".write(toFile: lab.resolvConf, atomically: true, encoding: .utf8)
                var (status, checks, text) = try lab.doctor()
                let dns = lab.check("dns-upstream", checks)
                #expect(status == 3 && dns?["status"] as? String == "error" && lab.field(dns, "found").contains("198.51.100.9"), "\(text)")
                try "nameserver 10.88.0.1\n".write(toFile: lab.resolvConf, atomically: true, encoding: .utf8)
                (status, checks, text) = try lab.doctor()
                #expect(status == 3 && lab.field(lab.check("dns-upstream", checks), "found").contains("loop"), "\(text)")
            }
        }

        @Test func aForeignDroppingForwardChainIsNamed() async throws {
            try await Self.withLab(arguments: ["--no-firewall-coexistence"]) { lab in
                try lab.nft("table inet foreign { chain forward { type filter hook forward priority 0; policy drop; }; }")
                let (status, checks, text) = try lab.doctor()
                let foreign = lab.check("foreign-forward-chain", checks)
                #expect(status == 3 && foreign?["status"] as? String == "error", "\(text)")
                #expect(lab.field(foreign, "found").contains("inet foreign forward") && lab.field(foreign, "cause").contains("--no-firewall-coexistence"), "\(text)")
            }
        }

        @Test func aMACMovingBetweenPortsAndADuplicateAddressAreNamed() async throws {
            try await Self.withLab { lab in
                try await TestNamespace.with(prefix: "pbh") { second in
                    _ = try lab.daemon.ok(["net-port-create", "lab", "--owner", "vm2", "--type", "veth", "--netns", second.name, "--mac", "52:54:00:88:00:02"])
                    try Command.check("ip", ["-n", second.name, "link", "set", "eth0", "up"])
                    let vm1Address = String(try #require(try lab.guest.addresses("eth0").first { $0.hasPrefix("10.88.0.") }).split(separator: "/")[0])
                    // vm2 claims vm1's address statically: two MACs answer ARP for it.
                    try Command.check("ip", ["-n", second.name, "addr", "add", "\(vm1Address)/24", "dev", "eth0"])
                    var (checks, text) = ([[String: Any]](), "")
                    try await NWFilterTests.waitFor("the duplicate address", timeout: 20) {
                        (_, checks, text) = try lab.doctor()
                        return lab.check("duplicate-ip", checks)?["status"] as? String == "error"
                    }
                    let duplicate = lab.check("duplicate-ip", checks)?["found"] as? String ?? ""
                    #expect(duplicate.contains(vm1Address) && duplicate.contains("52:54:00:88:00:01") && duplicate.contains("52:54:00:88:00:02"), "\(text)")
                    // vm2 sends from vm1's MAC: the bridge moves it, the doctor warns.
                    let forged = try second.exec(["python3", "-c", """
                        from scapy.all import Ether, ARP, sendp
                        sendp(Ether(src='52:54:00:88:00:01', dst='ff:ff:ff:ff:ff:ff')/ARP(hwsrc='52:54:00:88:00:01', psrc='10.88.0.77', pdst='10.88.0.1'), iface='eth0', verbose=False)
                        """])
                    #expect(forged.succeeded, "\(forged)")
                    try await NWFilterTests.waitFor("the MAC move", timeout: 20) {
                        (_, checks, text) = try lab.doctor()
                        return lab.check("mac-flapping", checks)?["status"] as? String == "warning"
                    }
                    #expect(lab.field(lab.check("mac-flapping", checks), "found").contains("52:54:00:88:00:01"), "\(text)")
                }
            }
        }
    }
}
