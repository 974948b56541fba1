import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// nat, route, isolated and open networks moving real packets: guests on the network's bridge,
    /// an upstream namespace standing for the internet with an HTTP server that reports the address
    /// it sees.
    @Suite("Forward modes and port forwards (root, namespaces)")
    struct ForwardModeTests {
        static func network(_ name: String, mode: String?, subnet: Int) -> String {
            let forward = mode.map { "<forward mode='\($0)'/>" } ?? ""
            return """
                <network>
                  <name>\(name)</name>
                  \(forward)
                  <bridge name='pb\(name)0' stp='off'/>
                  <ip address='10.\(subnet).0.1' netmask='255.255.255.0'/>
                </network>
                """
        }

        @Test func natMasqueradesForwardsPortsAndHairpins() async throws {
            try await DaemonHarness.with { daemon in
                // Someone else's table, which Patchbay must leave exactly as it was.
                try Command.check("ip", ["netns", "exec", daemon.namespace.name, "nft", "add table ip other; add chain ip other keep { type filter hook input priority 10; policy accept; }; add rule ip other keep tcp dport 9 counter accept"])
                let otherBefore = try Command.check("ip", ["netns", "exec", daemon.namespace.name, "nft", "list", "table", "ip", "other"]).stdout

                try daemon.ok(["net-define", try daemon.file("nat.xml", Self.network("nat", mode: "nat", subnet: 79))])
                try daemon.ok(["net-start", "nat"])
                #expect(try daemon.namespace.exec(["cat", "/proc/sys/net/ipv4/ip_forward"]).stdout.hasPrefix("1"))
                try await daemon.withUpstream(routes: ["10.79.0.0/24"]) { upstream in
                    try upstream.namespace.serveHTTP(address: Upstream.address, port: 80, directory: daemon.directory)
                    try await daemon.withGuest(on: "pbnat0", mac: "52:54:00:79:00:50") { guest in
                        try guest.configure(address: "10.79.0.50/24", gateway: "10.79.0.1")
                        try guest.serveHTTP(address: "10.79.0.50", port: 8080, directory: daemon.directory)
                        // Out through NAT: the server sees the host's address.
                        #expect(try guest.fetch("http://\(Upstream.address)/cgi-bin/ip") == Upstream.hostSide)
                        // In: nothing reaches the guest unasked, even with a route to it.
                        #expect(try upstream.namespace.fetch("http://10.79.0.50:8080/cgi-bin/ip") == nil)
                        #expect(try upstream.namespace.fetch("http://\(Upstream.hostSide):8080/cgi-bin/ip") == nil)

                        // A port forward opens exactly that port, from outside...
                        try daemon.ok(["net-forward-add", "nat", "--proto", "tcp", "--host-port", "8080", "--to", "10.79.0.50:8080"])
                        #expect(try daemon.ok(["net-forward-list", "nat"]).contains("10.79.0.50:8080"))
                        #expect(try upstream.namespace.fetch("http://\(Upstream.hostSide):8080/cgi-bin/ip") == Upstream.address)
                        // ...and from another guest through the host's address (hairpin).
                        try await daemon.withGuest(on: "pbnat0", mac: "52:54:00:79:00:51") { other in
                            try other.configure(address: "10.79.0.51/24", gateway: "10.79.0.1")
                            let hairpin = try other.exec(["curl", "-sv", "-m", "3", "http://\(Upstream.hostSide):8080/cgi-bin/ip"])
                            let ruleset = try daemon.namespace.nftRuleset()
                            #expect(hairpin.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "10.79.0.1", "\(hairpin)\n\(ruleset)")
                        }
                        // The forward survives a daemon restart. (The firewall records what it applied
                        // with each transaction, so even a kill right after finds it intact.)
                        daemon.stop(signal: SIGKILL)
                        try daemon.start()
                        #expect(daemon.logs.contains("firewall: intact"))
                        #expect(try upstream.namespace.fetch("http://\(Upstream.hostSide):8080/cgi-bin/ip") == Upstream.address)
                        try daemon.ok(["net-forward-delete", "nat", "--proto", "tcp", "--host-port", "8080"])
                        #expect(try upstream.namespace.fetch("http://\(Upstream.hostSide):8080/cgi-bin/ip") == nil)
                    }
                }
                #expect(try daemon.namespace.nftRuleset().contains("table inet patchbay"))
                try daemon.ok(["net-destroy", "nat"])
                let after = try daemon.namespace.nftRuleset()
                #expect(!after.contains("patchbay"), "\(after)")
                #expect(try Command.check("ip", ["netns", "exec", daemon.namespace.name, "nft", "list", "table", "ip", "other"]).stdout == otherBefore)
            }
        }

        @Test func routeForwardsWithoutNAT() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("route.xml", Self.network("route", mode: "route", subnet: 80))])
                try daemon.ok(["net-start", "route"])
                try await daemon.withUpstream(routes: ["10.80.0.0/24"]) { upstream in
                    try upstream.namespace.serveHTTP(address: Upstream.address, port: 80, directory: daemon.directory)
                    try await daemon.withGuest(on: "pbroute0", mac: "52:54:00:80:00:50") { guest in
                        try guest.configure(address: "10.80.0.50/24", gateway: "10.80.0.1")
                        try guest.serveHTTP(address: "10.80.0.50", port: 8080, directory: daemon.directory)
                        #expect(try guest.fetch("http://\(Upstream.address)/cgi-bin/ip") == "10.80.0.50")
                        // Routed both ways: the upstream reaches the guest directly.
                        #expect(try upstream.namespace.fetch("http://10.80.0.50:8080/cgi-bin/ip") == Upstream.address)
                    }
                }
            }
        }

        @Test func isolatedKeepsEverythingInside() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("iso.xml", Self.network("iso", mode: nil, subnet: 81))])
                try daemon.ok(["net-start", "iso"])
                // Even with forwarding on for other reasons, nothing leaves.
                try Command.check("ip", ["netns", "exec", daemon.namespace.name, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
                try await daemon.withUpstream(routes: ["10.81.0.0/24"]) { upstream in
                    try upstream.namespace.serveHTTP(address: Upstream.address, port: 80, directory: daemon.directory)
                    try await daemon.withGuest(on: "pbiso0", mac: "52:54:00:81:00:50") { guest in
                        try guest.configure(address: "10.81.0.50/24", gateway: "10.81.0.1")
                        #expect(try guest.fetch("http://\(Upstream.address)/cgi-bin/ip", seconds: 2) == nil)
                        // The host's own services still answer (DNS here: any reply will do).
                        #expect(try guest.exec(["dig", "+tries=1", "+time=2", "@10.81.0.1", "version.bind", "CH", "TXT"]).stdout.contains("status: REFUSED"))
                    }
                }
            }
        }

        @Test func openAddsNoRules() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("open.xml", Self.network("open", mode: "open", subnet: 82))])
                try daemon.ok(["net-start", "open"])
                #expect(!(try daemon.namespace.nftRuleset().contains("patchbay")))
            }
        }

        /// The accept rules Patchbay keeps in a dropping foreign chain (B-M12): tagged with a
        /// comment, exactly one pair per network however often the firewall changes, put back at
        /// restart after the other program flushed its chain, and found by their tag (not a stale
        /// handle) when the network stops, so the other program's own rules are never touched.
        @Test func aDockerStyleDropPolicyIsWorkedAroundAndRestored() async throws {
            try await DaemonHarness.with { daemon in
                let ns = daemon.namespace.name
                try Command.check("ip", ["netns", "exec", ns, "nft", "add table ip filter; add chain ip filter FORWARD { type filter hook forward priority 0; policy drop; }"])
                let before = try Command.check("ip", ["netns", "exec", ns, "nft", "list", "table", "ip", "filter"]).stdout
                try daemon.ok(["net-define", try daemon.file("nat.xml", Self.network("dock", mode: "nat", subnet: 83))])
                try daemon.ok(["net-start", "dock"])
                #expect(daemon.logs.contains("table ip filter chain FORWARD would drop the forwarded traffic of network dock"))
                func tagged() throws -> Int {
                    try Command.check("ip", ["netns", "exec", ns, "nft", "list", "chain", "ip", "filter", "FORWARD"]).stdout
                        .components(separatedBy: "comment \"patchbay:accept:pbdock0\"").count - 1
                }
                #expect(try tagged() == 2)
                // More firewall changes (port forwards) add no more rules.
                try daemon.ok(["net-forward-add", "dock", "--proto", "tcp", "--host-port", "8081", "--to", "10.83.0.50"])
                try daemon.ok(["net-forward-delete", "dock", "--proto", "tcp", "--host-port", "8081"])
                #expect(try tagged() == 2)
                try await daemon.withUpstream { upstream in
                    try upstream.namespace.serveHTTP(address: Upstream.address, port: 80, directory: daemon.directory)
                    try await daemon.withGuest(on: "pbdock0", mac: "52:54:00:83:00:50") { guest in
                        try guest.configure(address: "10.83.0.50/24", gateway: "10.83.0.1")
                        #expect(try guest.fetch("http://\(Upstream.address)/cgi-bin/ip") == Upstream.hostSide)
                        // Docker reloads (its chain flushed) while patchbayd is down: the next start
                        // puts the rules back.
                        daemon.stop(signal: SIGKILL)
                        try Command.check("ip", ["netns", "exec", ns, "nft", "flush", "chain", "ip", "filter", "FORWARD"])
                        #expect(try tagged() == 0)
                        try daemon.start()
                        #expect(try tagged() == 2)
                        #expect(try guest.fetch("http://\(Upstream.address)/cgi-bin/ip") == Upstream.hostSide)
                    }
                }
                // Docker re-creates its table with a rule of its own: the handles Patchbay once saw
                // now name other rules; the destroy still removes exactly Patchbay's.
                try Command.check("ip", ["netns", "exec", ns, "nft", "delete table ip filter; add table ip filter; add chain ip filter FORWARD { type filter hook forward priority 0; policy drop; }; add rule ip filter FORWARD iifname \"docker0\" accept"])
                daemon.stop()
                try daemon.start()
                #expect(try tagged() == 2)
                try daemon.ok(["net-destroy", "dock"])
                #expect(try tagged() == 0)
                #expect(try Command.check("ip", ["netns", "exec", ns, "nft", "list", "chain", "ip", "filter", "FORWARD"]).stdout.contains("iifname \"docker0\" accept"))
                // Without Docker's own rule, its table is as it was before Patchbay came.
                try Command.check("ip", ["netns", "exec", ns, "nft", "flush", "chain", "ip", "filter", "FORWARD"])
                #expect(try Command.check("ip", ["netns", "exec", ns, "nft", "list", "table", "ip", "filter"]).stdout == before)
            }
        }

        /// B-M3: the firewall fails closed. With an isolated network's map entries gone (a table
        /// edited behind Patchbay's back, a rebuild that did not finish), its guests' forwarded
        /// traffic is dropped, not let through by the base chain's accept policy.
        @Test func anIsolatedNetworkStaysIsolatedWhenItsMapEntriesAreGone() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("iso.xml", Self.network("iso", mode: nil, subnet: 86))])
                try daemon.ok(["net-start", "iso"])
                try Command.check("ip", ["netns", "exec", daemon.namespace.name, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
                try Command.check("ip", ["netns", "exec", daemon.namespace.name, "nft",
                                         "delete element inet patchbay from_bridge { \"pbiso0\" }; delete element inet patchbay to_bridge { \"pbiso0\" }"])
                try await daemon.withUpstream(routes: ["10.86.0.0/24"]) { upstream in
                    try upstream.namespace.serveHTTP(address: Upstream.address, port: 80, directory: daemon.directory)
                    try await daemon.withGuest(on: "pbiso0", mac: "52:54:00:86:00:50") { guest in
                        try guest.configure(address: "10.86.0.50/24", gateway: "10.86.0.1")
                        #expect(try guest.fetch("http://\(Upstream.address)/cgi-bin/ip", seconds: 2) == nil)
                        // Without the fail-closed rules the same packets go through: shown by
                        // removing them too.
                        try Command.check("ip", ["netns", "exec", daemon.namespace.name, "nft", "flush", "set", "inet", "patchbay", "bridges"])
                        #expect(try guest.fetch("http://\(Upstream.address)/cgi-bin/ip", seconds: 2) == "10.86.0.50")
                    }
                }
            }
        }

        @Test func badPortForwardsAreRefusedAndNothingIsStored() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("nat.xml", Self.network("nat", mode: "nat", subnet: 84))])
                try daemon.ok(["net-define", try daemon.file("iso.xml", Self.network("iso", mode: nil, subnet: 85))])
                let outside = try daemon.cli(["net-forward-add", "nat", "--proto", "tcp", "--host-port", "80", "--to", "10.99.0.5"])
                #expect(outside.status == 1)
                #expect(outside.stderr.contains("10.99.0.5 is not in the subnets of network 'nat'"))
                let notNAT = try daemon.cli(["net-forward-add", "iso", "--proto", "tcp", "--host-port", "80", "--to", "10.85.0.5"])
                #expect(notNAT.status == 1)
                #expect(notNAT.stderr.contains("not a nat network"))
                let usage = try daemon.cli(["net-forward-add", "nat", "--proto", "sctp", "--host-port", "80", "--to", "10.84.0.5"])
                #expect(usage.status == 2)
                let range = try daemon.cli(["net-forward-add", "nat", "--proto", "tcp", "--host-port", "90-80", "--to", "10.84.0.5"])
                #expect(range.status == 2)
                try daemon.ok(["net-forward-add", "nat", "--proto", "udp", "--host-port", "5000-5010", "--to", "10.84.0.5"])
                let clash = try daemon.cli(["net-forward-add", "nat", "--proto", "udp", "--host-port", "5005", "--to", "10.84.0.6"])
                #expect(clash.status == 1)
                #expect(clash.stderr.contains("already forwarded"))
                #expect(try daemon.ok(["net-forward-list", "nat", "--json"]).components(separatedBy: "hostPortStart").count == 2)
            }
        }
    }
}
