import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// Real DHCP clients (busybox udhcpc, ISC dhclient) against a network's built-in server, each in
    /// a guest namespace joined to the network's bridge by a veth pair.
    @Suite("DHCP with real clients (root, namespaces)")
    struct DHCPClientTests {
        static let network = """
            <network>
              <name>lab</name>
              <bridge name='pblab0'/>
              <mtu size='1400'/>
              <domain name='lab.test'/>
              <ip address='10.77.0.1' netmask='255.255.255.0'>
                <dhcp>
                  <range start='10.77.0.100' end='10.77.0.150'>
                    <lease expiry='5' unit='minutes'/>
                  </range>
                  <host mac='52:54:00:77:00:42' name='reserved' ip='10.77.0.42'/>
                </dhcp>
              </ip>
            </network>
            """

        /// A udhcpc script that records each event's environment (written whole, then renamed, so a
        /// test polling for the file never reads half of it) after configuring the address.
        static func udhcpcScript(in directory: String) throws -> String {
            let path = directory + "/udhcpc.sh"
            try """
                #!/bin/sh
                if [ "$1" = bound ]; then ip addr add $ip/$mask dev $interface; fi
                env | sort > \(directory)/udhcpc-$1.env.tmp && mv \(directory)/udhcpc-$1.env.tmp \(directory)/udhcpc-$1.env
                exit 0
                """.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            return path
        }

        /// What a failed wait leaves to read: the client's own output and the events its script saw.
        static func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(none)" }

        static func records(_ directory: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("udhcpc-") }.sorted()
        }

        static func environment(_ path: String) -> [String: String] {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            var result: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
            }
            return result
        }

        static func waitFor(_ path: String, seconds: Double = 15) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if FileManager.default.fileExists(atPath: path) { return true }
                try? await Task.sleep(for: .milliseconds(100))
            }
            // A task that only got a thread back after the deadline still looks once more.
            return FileManager.default.fileExists(atPath: path)
        }

        @Test func udhcpcGetsALeaseRenewsAndReleases() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let script = try Self.udhcpcScript(in: daemon.directory)
                try await daemon.withGuest(on: "pblab0", mac: "52:54:00:77:00:01") { guest in
                    // Background client: -f foreground, -R release on exit; SIGUSR1 renews.
                    let client = try ChildProcess("ip", ["netns", "exec", guest.name, "udhcpc", "-i", "eth0", "-f", "-R",
                                                         "-t", "10", "-T", "1", "-s", script, "-x", "hostname:alpha",
                                                         "-O", "mtu", "-O", "domain"],
                                                  outputPath: daemon.directory + "/udhcpc.out")
                    defer { client.stop() }

                    #expect(await Self.waitFor(daemon.directory + "/udhcpc-bound.env"),
                            "no lease:\n\(daemon.logs)\nudhcpc:\n\(Self.contents(daemon.directory + "/udhcpc.out"))\nscript records: \(Self.records(daemon.directory))")
                    let bound = Self.environment(daemon.directory + "/udhcpc-bound.env")
                    #expect(bound["ip"]?.hasPrefix("10.77.0.1") == true)
                    #expect(bound["subnet"] == "255.255.255.0")
                    #expect(bound["router"] == nil)  // isolated networks hand out no default route
                    #expect(bound["dns"] == "10.77.0.1")
                    #expect(bound["domain"] == "lab.test")
                    #expect(bound["mtu"] == "1400")
                    #expect(bound["lease"] == "300")
                    #expect(bound["serverid"] == "10.77.0.1")
                    let address = try #require(bound["ip"])
                    #expect(try guest.addresses("eth0").contains("\(address)/24"))

                    // The lease is visible at once, with the client's name.
                    var leases = try daemon.ok(["net-dhcp-leases", "lab"])
                    #expect(leases.contains("52:54:00:77:00:01   ipv4       \(address)/24"))
                    #expect(leases.contains("alpha"))
                    let before = try daemon.ok(["net-dhcp-leases", "lab", "--json"])

                    // Renew (unicast from the configured address) moves the expiry forward (the
                    // expiry counts seconds: renewed until the second has turned).
                    var after = before
                    let renewal = daemon.directory + "/udhcpc-renew.env"
                    for _ in 0..<30 where after == before {
                        try? FileManager.default.removeItem(atPath: renewal)
                        client.signal(SIGUSR1)
                        #expect(await Self.waitFor(renewal))
                        #expect(Self.environment(renewal)["ip"] == address)
                        after = try daemon.ok(["net-dhcp-leases", "lab", "--json"])
                    }
                    #expect(after != before)

                    // Release on exit removes the lease.
                    client.signal(SIGTERM)
                    #expect(client.wait(seconds: 10) != nil)
                    let deadline = Date().addingTimeInterval(5)
                    repeat {
                        leases = try daemon.ok(["net-dhcp-leases", "lab"])
                        if !leases.contains("52:54:00:77:00:01") { break }
                        try await Task.sleep(for: .milliseconds(100))
                    } while Date() < deadline
                    #expect(!leases.contains("52:54:00:77:00:01"))
                }
            }
        }

        @Test func aReservedHostGetsItsAddressAndTheLeaseSurvivesARestart() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let script = try Self.udhcpcScript(in: daemon.directory)
                try await daemon.withGuest(on: "pblab0", mac: "52:54:00:77:00:42") { guest in
                    let result = try guest.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1", "-s", script])
                    #expect(result.succeeded, "\(result)\n\(daemon.logs)")
                    #expect(Self.environment(daemon.directory + "/udhcpc-bound.env")["ip"] == "10.77.0.42")
                }
                daemon.stop(signal: SIGKILL)
                try daemon.start()
                let json = try daemon.ok(["net-dhcp-leases", "lab", "52:54:00:77:00:42", "--json"])
                #expect(json.contains("\"ipAddress\" : \"10.77.0.42\""))
            }
        }

        @Test func dhclientGetsALeaseAndReleasesIt() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let directory = daemon.directory
                let script = directory + "/dhclient-script.sh"
                try """
                    #!/bin/sh
                    if [ "$reason" = BOUND ]; then ip addr add $new_ip_address/$new_subnet_mask dev $interface; fi
                    env | sort > \(directory)/dhclient-$reason.env.tmp && mv \(directory)/dhclient-$reason.env.tmp \(directory)/dhclient-$reason.env
                    exit 0
                    """.write(toFile: script, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
                try """
                    timeout 20;
                    retry 1;
                    send host-name "beta";
                    request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, interface-mtu, host-name;
                    """.write(toFile: directory + "/dhclient.conf", atomically: true, encoding: .utf8)
                try await daemon.withGuest(on: "pblab0", mac: "52:54:00:77:00:02") { guest in
                    // dhclient goes to the background once bound; whatever happens, end it.
                    defer {
                        if let pid = try? String(contentsOfFile: directory + "/dhclient.pid", encoding: .utf8),
                           let number = Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines)) {
                            kill(number, SIGKILL)
                        }
                    }
                    let command = "dhclient -1 -v -sf \(script) -cf \(directory)/dhclient.conf -lf \(directory)/dhclient.leases -pf \(directory)/dhclient.pid eth0 > \(directory)/dhclient.out 2>&1"
                    let result = try guest.exec(["sh", "-c", command])
                    #expect(result.succeeded, "\(result)\n\(daemon.logs)")
                    let bound = Self.environment(directory + "/dhclient-BOUND.env")
                    #expect(bound["new_ip_address"]?.hasPrefix("10.77.0.1") == true)
                    #expect(bound["new_subnet_mask"] == "255.255.255.0")
                    #expect(bound["new_domain_name_servers"] == "10.77.0.1")
                    #expect(bound["new_domain_name"] == "lab.test")
                    #expect(bound["new_interface_mtu"] == "1400")
                    #expect(bound["new_dhcp_lease_time"] == "300")
                    #expect(try daemon.ok(["net-dhcp-leases", "lab"]).contains("beta"))

                    let release = try guest.exec(["sh", "-c", "dhclient -r -sf \(script) -cf \(directory)/dhclient.conf -lf \(directory)/dhclient.leases -pf \(directory)/dhclient.pid eth0 > \(directory)/dhclient-release.out 2>&1"])
                    #expect(release.succeeded)
                    var released = false
                    for _ in 0..<50 where !released {
                        released = !(try daemon.ok(["net-dhcp-leases", "lab"]).contains("52:54:00:77:00:02"))
                        if !released { try await Task.sleep(for: .milliseconds(100)) }
                    }
                    #expect(released)
                }
            }
        }

        @Test func aGuestFloodingWithMadeUpMACsGetsOnlyItsShare() async throws {
            try await DaemonHarness.with(arguments: ["--dhcp-max-leases-per-port", "3"]) { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await daemon.withGuest(on: "pblab0", mac: "52:54:00:77:10:00") { flooder in
                    var granted = 0
                    for n in 1...6 {
                        // A new MAC each time, as a DISCOVER flood with random chaddrs looks on the wire.
                        try Command.check("ip", ["-n", flooder.name, "link", "set", "eth0", "address", String(format: "52:54:00:77:10:%02x", n)])
                        let result = try flooder.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "3", "-T", "1", "-s", "/bin/true"])
                        if result.succeeded { granted += 1 }
                    }
                    #expect(granted == 3, "\(daemon.logs)")
                    #expect(daemon.logs.contains("already holds 3 addresses, the per-port limit"))
                    // A guest on another port is not affected.
                    try await daemon.withGuest(on: "pblab0", mac: "52:54:00:77:20:01") { other in
                        let result = try other.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", "/bin/true"])
                        #expect(result.succeeded, "\(result)\n\(daemon.logs)")
                    }
                }
            }
        }

        /// libvirt adds a CHECKSUM --checksum-fill rule for DHCP replies; Patchbay turns transmit
        /// checksum offload off on its bridges instead. A capture in the guest must see correct UDP
        /// checksums on every reply.
        @Test func dhcpRepliesCarryACorrectUDPChecksum() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await daemon.withGuest(on: "pblab0", mac: "52:54:00:77:30:01") { guest in
                    let capture = daemon.directory + "/dhcp-capture.txt"
                    let tcpdump = try ChildProcess("ip", ["netns", "exec", guest.name, "tcpdump", "-l", "-n", "-vv", "-i", "eth0",
                                                          "udp port 68"], outputPath: capture)
                    defer { tcpdump.stop() }
                    func captured() -> String { (try? String(contentsOfFile: capture, encoding: .utf8)) ?? "" }
                    func replies() -> [Substring] { captured().split(separator: "\n").filter { $0.contains("BOOTP/DHCP, Reply") } }
                    for _ in 0..<100 where !captured().contains("listening on") { try await Task.sleep(for: .milliseconds(50)) }
                    let result = try guest.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", "/bin/true"])
                    #expect(result.succeeded, "\(result)")
                    // Both replies (OFFER, ACK) written out by tcpdump, which prints line by line (-l).
                    for _ in 0..<100 where replies().count < 2 { try await Task.sleep(for: .milliseconds(50)) }
                    tcpdump.stop()
                    let text = captured()
                    let replies = replies()
                    #expect(replies.count >= 2, "\(text)")
                    #expect(replies.allSatisfy { $0.contains("[udp sum ok]") }, "\(text)")
                }
            }
        }
    }
}
