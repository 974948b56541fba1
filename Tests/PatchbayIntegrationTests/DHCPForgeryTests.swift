import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// A hostile guest crafts DHCP frames with scapy (PyPI) on its own port, against a victim that
    /// holds a lease through a real client (udhcpc) on another port: it can neither take the
    /// victim's address away, nor get more than its share, nor charge its clients to the victim,
    /// nor be answered as a relay nobody configured.
    @Suite("DHCP against forged requests (root, namespaces, scapy)")
    struct DHCPForgeryTests {
        static let network = """
            <network>
              <name>lab</name>
              <bridge name='pbforge0' stp='off'/>
              <domain name='lab.test'/>
              <ip address='10.76.0.1' netmask='255.255.255.0'>
                <dhcp><range start='10.76.0.100' end='10.76.0.150'/></dhcp>
              </ip>
            </network>
            """
        static let victimMAC = "52:54:00:76:00:01"

        /// `forge.py MODE IFACE ...`: sends one kind of forged frame from IFACE and prints what
        /// came back (`offers N` for DISCOVERs).
        static let forge = #"""
            import random, sys, time
            from scapy.all import AsyncSniffer, BOOTP, DHCP, Ether, IP, UDP, conf, sendp
            conf.verb = 0
            mode, iface = sys.argv[1], sys.argv[2]
            server = "10.76.0.1"
            def mac_bytes(mac): return bytes(int(x, 16) for x in mac.split(":"))
            def frame(src, chaddr, options, ciaddr="0.0.0.0", giaddr="0.0.0.0", xid=None, flags=0x8000):
                return (Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
                        / BOOTP(chaddr=mac_bytes(chaddr), ciaddr=ciaddr, giaddr=giaddr, xid=xid or random.getrandbits(32), flags=flags)
                        / DHCP(options=options + ["end"]))
            # udhcpc identifies itself with client ID 01 + MAC (it goes out in every broadcast, so
            # any guest on the network can copy it).
            def client_id(mac): return b"\x01" + mac_bytes(mac)
            if mode == "decline":
                victim, address = sys.argv[3], sys.argv[4]
                for _ in range(3):
                    sendp(frame(victim, victim, [("message-type", "decline"), ("server_id", server), ("requested_addr", address),
                                                 ("client_id", client_id(victim))]), iface=iface)
                print("sent")
            elif mode == "release":
                victim, address = sys.argv[3], sys.argv[4]
                for _ in range(3):
                    sendp(frame(victim, victim, [("message-type", "release"), ("server_id", server), ("client_id", client_id(victim))],
                                ciaddr=address), iface=iface)
                print("sent")
            elif mode in ("clientids", "giaddr"):
                chaddr, count = sys.argv[3], int(sys.argv[4])
                xids = set()
                sniffer = AsyncSniffer(iface=iface, filter="udp and (port 67 or port 68)", store=True)
                sniffer.start()
                time.sleep(0.5)
                for n in range(count):
                    xid = random.getrandbits(32)
                    xids.add(xid)
                    if mode == "clientids":
                        options = [("message-type", "discover"), ("client_id", b"\xfe" + random.randbytes(8))]
                        sendp(frame(chaddr, chaddr, options, xid=xid), iface=iface)
                    else:
                        relay = "10.%d.%d.%d" % (random.randrange(1, 250), random.randrange(1, 250), random.randrange(1, 250))
                        fake = "52:54:00:%02x:%02x:%02x" % (random.randrange(256), random.randrange(256), random.randrange(256))
                        sendp(frame(chaddr, fake, [("message-type", "discover")], giaddr=relay, xid=xid), iface=iface)
                    time.sleep(0.05)
                time.sleep(2)
                packets = sniffer.stop()
                offers = {p[BOOTP].xid for p in packets if p.haslayer(BOOTP) and p[BOOTP].op == 2 and p[BOOTP].xid in xids}
                print("offers %d" % len(offers))
            """#

        static func run(_ guest: TestNamespace, _ script: String, _ arguments: [String]) throws -> String {
            let result = try guest.exec(["python3", script] + arguments)
            #expect(result.succeeded, "\(result)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// The victim with a lease from udhcpc (in the background, renewing on SIGUSR1).
        static func withVictim<T>(_ daemon: DaemonHarness,
                                  _ body: (_ victim: TestNamespace, _ address: String, _ renew: () async throws -> String?) async throws -> T) async throws -> T {
            try await daemon.withGuest(on: "pbforge0", mac: victimMAC) { victim in
                let script = try DHCPClientTests.udhcpcScript(in: daemon.directory)
                let client = try ChildProcess("ip", ["netns", "exec", victim.name, "udhcpc", "-i", "eth0", "-f", "-t", "10", "-T", "1",
                                                     "-s", script, "-x", "hostname:victim"], outputPath: daemon.directory + "/udhcpc.out")
                defer { client.stop() }
                let bound = daemon.directory + "/udhcpc-bound.env"
                #expect(await DHCPClientTests.waitFor(bound), "no lease:\n\(daemon.logs)")
                let address = try #require(DHCPClientTests.environment(bound)["ip"])
                let renew = { () async throws -> String? in
                    let path = daemon.directory + "/udhcpc-renew.env"
                    try? FileManager.default.removeItem(atPath: path)
                    client.signal(SIGUSR1)
                    guard await DHCPClientTests.waitFor(path) else { return nil }
                    return DHCPClientTests.environment(path)["ip"]
                }
                return try await body(victim, address, renew)
            }
        }

        @Test func aForgedDeclineOfAnotherGuestsAddressChangesNothing() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let forge = try daemon.file("forge.py", Self.forge)
                try await Self.withVictim(daemon) { _, address, renew in
                    try await daemon.withGuest(on: "pbforge0", mac: "52:54:00:76:00:66") { attacker in
                        _ = try Self.run(attacker, forge, ["decline", "eth0", Self.victimMAC, address])
                        #expect(try await renew() == address, "\(daemon.logs.suffix(3000))")
                        #expect(daemon.logs.contains("DHCPDECLINE of \(address) from a client it was not offered or leased to"))
                        #expect(try daemon.ok(["net-dhcp-leases", "lab"]).contains(address))
                        // A forged RELEASE (B-M13) leaves the lease and its name in place.
                        _ = try Self.run(attacker, forge, ["release", "eth0", Self.victimMAC, address])
                        #expect(try await renew() == address)
                        #expect(try daemon.ok(["net-dhcp-leases", "lab"]).contains(address))
                        #expect(daemon.logs.contains("DHCPRELEASE of \(address) from bridge port"))
                        // Its name still resolves (asked from the host: the attacker has no address).
                        let named = try daemon.namespace.exec(["dig", "+short", "+tries=1", "+time=2", "@10.76.0.1", "victim.lab.test"])
                        #expect(named.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == address)
                    }
                }
            }
        }

        @Test func anotherGuestsMACWithMadeUpClientIDsIsChargedToTheSendersPort() async throws {
            try await DaemonHarness.with(arguments: ["--dhcp-max-leases-per-port", "3"]) { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let forge = try daemon.file("forge.py", Self.forge)
                try await Self.withVictim(daemon) { victim, address, renew in
                    try await daemon.withGuest(on: "pbforge0", mac: "52:54:00:76:00:66") { attacker in
                        #expect(try Self.run(attacker, forge, ["clientids", "eth0", Self.victimMAC, "10"]) == "offers 3")
                        // The victim's port was not charged: it renews, and a second client on it
                        // (a new MAC on the victim's interface) still gets an address.
                        #expect(try await renew() == address)
                        try Command.check("ip", ["-n", victim.name, "link", "set", "eth0", "address", "52:54:00:76:00:02"])
                        let second = try victim.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", "/bin/true"])
                        #expect(second.succeeded, "\(second)\n\(daemon.logs.suffix(3000))")
                    }
                }
            }
        }

        @Test func forgedRelayAddressesGetNoAnswerAndFillNoNeighbourTable() async throws {
            try await DaemonHarness.with(arguments: ["--dhcp-max-leases-per-port", "3"]) { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let forge = try daemon.file("forge.py", Self.forge)
                try await daemon.withGuest(on: "pbforge0", mac: "52:54:00:76:00:66") { attacker in
                    #expect(try Self.run(attacker, forge, ["giaddr", "eth0", "52:54:00:76:00:66", "40"]) == "offers 0")
                    #expect(daemon.logs.contains("relay that is not configured"))
                    let neighbours = try daemon.namespace.ipJSON(["neigh", "show", "dev", "pbforge0"])
                    #expect(neighbours.count < 3, "\(neighbours)")
                    // The attacker's own honest client is still served.
                    let honest = try attacker.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", "/bin/true"])
                    #expect(honest.succeeded, "\(honest)\n\(daemon.logs.suffix(3000))")
                }
            }
        }
    }
}
