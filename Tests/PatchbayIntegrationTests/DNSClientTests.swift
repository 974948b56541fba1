import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The built-in DNS server, asked by `dig` (bind9-dnsutils) from guest namespaces, with an
    /// upstream namespace running dnsmasq for forwarded names.
    @Suite("DNS with dig (root, namespaces)")
    struct DNSClientTests {
        static let network = """
            <network>
              <name>lab</name>
              <bridge name='pbdns0'/>
              <domain name='lab.test' localOnly='yes'/>
              <dns>
                <forwarder addr='\(Upstream.address)'/>
                <forwarder domain='corp.example' addr='\(Upstream.address)'/>
                <forwarder domain='blocked.example'/>
                <txt name='info' value='patchbay lab'/>
                <srv service='http' protocol='tcp' domain='lab.test' target='web.lab.test' port='8080' priority='10' weight='5'/>
                <host ip='10.78.0.9'><hostname>web</hostname><hostname>www</hostname></host>
              </dns>
              <ip address='10.78.0.1' netmask='255.255.255.0'>
                <dhcp><range start='10.78.0.100' end='10.78.0.150'/></dhcp>
              </ip>
            </network>
            """

        /// `dig +short` from `namespace`, one line per answer.
        static func dig(_ namespace: TestNamespace, _ arguments: [String]) throws -> [String] {
            let result = try namespace.exec(["dig", "+short", "+tries=1", "+time=2", "@10.78.0.1"] + arguments)
            return result.stdout.split(whereSeparator: \.isNewline).map(String.init)
        }

        /// dig's status line (NOERROR, NXDOMAIN, REFUSED...).
        static func status(_ namespace: TestNamespace, server: String = "10.78.0.1", _ arguments: [String]) throws -> String {
            let result = try namespace.exec(["dig", "+tries=1", "+time=2", "@\(server)"] + arguments)
            guard let range = result.stdout.range(of: "status: ") else { return "no reply: \(result.stdout)" }
            return String(result.stdout[range.upperBound...].prefix { $0 != "," })
        }

        @Test func digResolvesLocalAndForwardedNames() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await daemon.withUpstream(routes: ["10.78.0.0/24"]) { upstream in
                    try upstream.serveDNS(["www.upstream.example": "198.51.100.80", "git.corp.example": "198.51.100.81"])
                    try await daemon.withGuest(on: "pbdns0", mac: "52:54:00:78:00:01") { guest in
                        let lease = try guest.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1",
                                                    "-x", "hostname:alpha", "-s", "/bin/true"])
                        #expect(lease.succeeded, "\(lease)")
                        let leases = try daemon.ok(["net-dhcp-leases", "lab", "52:54:00:78:00:01", "--json"])
                        let address = try #require(leases.firstMatch(of: /"ipAddress" : "([0-9.]+)"/)?.1).description
                        try Command.check("ip", ["-n", guest.name, "addr", "add", "\(address)/24", "dev", "eth0"])

                        // The client's own name, plain and under the domain, at once after its ACK.
                        #expect(try Self.dig(guest, ["alpha.lab.test"]) == [address])
                        #expect(try Self.dig(guest, ["alpha"]) == [address])
                        #expect(try Self.dig(guest, ["-x", address]) == ["alpha.lab.test."])
                        // <dns><host>, SRV, TXT, PTR.
                        #expect(try Self.dig(guest, ["web.lab.test"]) == ["10.78.0.9"])
                        #expect(try Self.dig(guest, ["www"]) == ["10.78.0.9"])
                        #expect(try Self.dig(guest, ["-x", "10.78.0.9"]) == ["web.lab.test."])
                        #expect(try Self.dig(guest, ["_http._tcp.lab.test", "SRV"]) == ["10 5 8080 web.lab.test."])
                        #expect(try Self.dig(guest, ["info.lab.test", "TXT"]) == ["\"patchbay lab\""])
                        // localOnly: unknown names of the domain stop here.
                        #expect(try Self.status(guest, ["ghost.lab.test"]) == "NXDOMAIN")
                        #expect(!upstream.dnsLog.contains("ghost.lab.test"))
                        // Forwarded: the general forwarder and the per-domain one; a domain with no
                        // address is answered here only.
                        #expect(try Self.dig(guest, ["www.upstream.example"]) == ["198.51.100.80"])
                        #expect(try Self.dig(guest, ["git.corp.example"]) == ["198.51.100.81"])
                        #expect(try Self.status(guest, ["x.blocked.example"]) == "NXDOMAIN")
                        #expect(!upstream.dnsLog.contains("blocked.example"))
                        // Over TCP, local and forwarded.
                        #expect(try Self.dig(guest, ["+tcp", "alpha.lab.test"]) == [address])
                        #expect(try Self.dig(guest, ["+tcp", "www.upstream.example"]) == ["198.51.100.80"])

                        // From the host (the daemon's namespace), as a host resolver would ask.
                        #expect(try Self.dig(daemon.namespace, ["alpha.lab.test"]) == [address])

                        // Not an open resolver: a host outside the network that can route to the
                        // server's address gets no answer at all (nothing to reflect), and nothing
                        // listens on the other addresses.
                        #expect(try Self.status(upstream.namespace, ["www.upstream.example"]).hasPrefix("no reply"))
                        #expect(try Self.status(upstream.namespace, server: Upstream.hostSide, ["alpha.lab.test"]).hasPrefix("no reply"))
                    }
                }
                // With the network destroyed, nothing answers.
                try daemon.ok(["net-destroy", "lab"])
                #expect(try Self.status(daemon.namespace, ["alpha.lab.test"]).hasPrefix("no reply"))
            }
        }

        @Test func aReleasedLeaseTakesItsNameAlong() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await daemon.withGuest(on: "pbdns0", mac: "52:54:00:78:00:02") { guest in
                    // In the foreground, releasing its lease (-R) when told to stop; the release goes
                    // out from the leased address, so the script configures it.
                    let script = try daemon.file("udhcpc.sh", """
                        #!/bin/sh
                        [ "$1" = bound ] && ip addr add $ip/$mask dev $interface
                        exit 0
                        """)
                    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
                    let client = try ChildProcess("ip", ["netns", "exec", guest.name, "udhcpc", "-i", "eth0", "-f", "-R",
                                                         "-t", "10", "-T", "1", "-x", "hostname:beta", "-s", script])
                    defer { client.stop() }
                    var answer: [String] = []
                    for _ in 0..<100 where answer.isEmpty {
                        answer = try Self.dig(daemon.namespace, ["beta.lab.test"])
                        if answer.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    #expect(answer.first?.hasPrefix("10.78.0.1") == true, "\(daemon.logs)")
                    client.signal(SIGTERM)
                    #expect(client.wait(seconds: 10) != nil)
                    #expect(try Self.status(daemon.namespace, ["beta.lab.test"]) == "NXDOMAIN")
                }
            }
        }
    }
}
