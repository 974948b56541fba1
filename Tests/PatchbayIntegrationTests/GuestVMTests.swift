import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The end-to-end proof: a real QEMU guest (Debian's cloud kernel, a busybox initramfs built by
    /// scripts/build-guest.sh and cached under .build) boots under TCG, attached through
    /// patchbay-bridge-helper to a Patchbay NAT network, gets its lease and name from Patchbay,
    /// resolves an upstream name through Patchbay's DNS, pings its gateway and fetches a page from
    /// the upstream namespace through NAT.
    @Suite("A QEMU guest end to end (root, namespaces, qemu)")
    struct GuestVMTests {
        static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path

        static let network = """
            <network>
              <name>e2e</name>
              <forward mode='nat'/>
              <bridge name='pbe2e0' stp='off'/>
              <domain name='e2e.test'/>
              <dns><forwarder addr='\(Upstream.address)'/></dns>
              <ip address='10.88.0.1' netmask='255.255.255.0'>
                <dhcp><range start='10.88.0.100' end='10.88.0.150'/></dhcp>
              </ip>
            </network>
            """

        /// Builds the guest (cached), boots it under TCG with its NIC on `bridge` through the bridge
        /// helper (`br=` names a bridge, or a direct network), and returns its console once it says
        /// it is done, with a description of what it printed for failure messages.
        static func boot(_ daemon: DaemonHarness, bridge: String, mac: String, hostname: String, lookup: String,
                         console name: String = "console") throws -> (console: String, context: String) {
            let guest = Self.packageRoot + "/.build/e2e-guest"
            let build = try Command.run(Self.packageRoot + "/scripts/build-guest.sh", [guest])
            try #require(build.succeeded, "\(build)")
            let console = daemon.directory + "/\(name).log"
            let append = "console=ttyS0 rdinit=/init panic=-1 patchbay.hostname=\(hostname) patchbay.lookup=\(lookup) patchbay.path=/cgi-bin/ip"
            let qemu = try ChildProcess("ip", [
                "netns", "exec", daemon.namespace.name, "env", "PATCHBAY_HELPER_SOCKET=\(daemon.helperSocketPath)",
                "qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-nodefaults", "-display", "none", "-no-reboot",
                "-name", "guest=\(hostname)", "-serial", "file:\(console)",
                "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz", "-append", append,
                "-netdev", "bridge,id=n0,br=\(bridge),helper=\(Binaries.bridgeHelper)",
                "-device", "virtio-net-pci,netdev=n0,mac=\(mac)",
            ], outputPath: daemon.directory + "/\(name).qemu.out")
            defer { qemu.stop() }
            let began = Date()
            var output = ""
            while Date().timeIntervalSince(began) < 240 {
                output = (try? String(contentsOfFile: console, encoding: .utf8)) ?? ""
                if output.contains("PATCHBAY-E2E: done") || !qemu.isRunning { break }
                Thread.sleep(forTimeInterval: 0.25)
            }
            let qemuOutput = (try? String(contentsOfFile: daemon.directory + "/\(name).qemu.out", encoding: .utf8)) ?? ""
            let markers = output.split(whereSeparator: \.isNewline).filter { $0.contains("PATCHBAY-E2E") }.joined(separator: "\n")
            return (output, "markers:\n\(markers)\nqemu:\n\(qemuOutput)\nconsole tail:\n\(output.suffix(1500))\n--- daemon log ---\n\(daemon.logs.suffix(3000))")
        }

        static func fetched(_ output: String) -> String {
            output.split(whereSeparator: \.isNewline).first { $0.hasPrefix("PATCHBAY-E2E: fetched") }.map(String.init) ?? ""
        }

        @Test func aBootedGuestGetsItsLeaseAndNameAndReachesUpstream() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("e2e.xml", Self.network)])
                try daemon.ok(["net-start", "e2e"])
                try await daemon.withUpstream { upstream in
                    try upstream.serveDNS(["www.upstream.example": Upstream.address])
                    try upstream.namespace.serveHTTP(address: Upstream.address, port: 80, directory: daemon.directory)
                    let began = Date()
                    let (output, context) = try Self.boot(daemon, bridge: "pbe2e0", mac: "52:54:00:88:00:01", hostname: "e2evm",
                                                          lookup: "www.upstream.example")
                    #expect(output.contains("PATCHBAY-E2E: done"), "\(context)")
                    #expect(output.contains("PATCHBAY-E2E: lease 10.88.0.1"), "\(context)")
                    #expect(output.contains("router 10.88.0.1 dns 10.88.0.1 domain e2e.test"), "\(context)")
                    #expect(output.contains("PATCHBAY-E2E: self e2evm 10.88.0.1"), "\(context)")
                    #expect(output.contains("PATCHBAY-E2E: resolved www.upstream.example \(Upstream.address)"), "\(context)")
                    #expect(output.contains("PATCHBAY-E2E: ping 10.88.0.1 ok"), "\(context)")
                    // Through NAT the upstream server sees the host's address.
                    let fetched = Self.fetched(output)
                    #expect(fetched.hasPrefix("PATCHBAY-E2E: fetched \(Upstream.hostSide) (HTTP/1.") && fetched.hasSuffix(" 200 OK)"), "\(context)")
                    let leases = try daemon.ok(["net-dhcp-leases", "e2e"])
                    #expect(leases.contains("52:54:00:88:00:01") && leases.contains("e2evm"), "\(leases)")
                    #expect(Date().timeIntervalSince(began) < 240)
                }
            }
        }

        /// Guests straight on the LAN: one on a host bridge (`<forward mode='bridge'>`), one on a
        /// macvtap NIC (`<forward mode='bridge'><interface dev>`), each over its own veth "NIC" to a
        /// LAN whose dnsmasq gives the leases. Nothing of Patchbay's answers there.
        @Test func guestsOnABridgeAndOnAMacvtapGetTheirLeaseFromTheLAN() async throws {
            try await DaemonHarness.with { daemon in
                try await daemon.withLAN(nics: ["eth1", "eth2"]) { lan in
                    let ns = daemon.namespace.name
                    try Command.check("ip", ["-n", ns, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"])
                    try Command.check("ip", ["-n", ns, "link", "set", "eth1", "master", "br0"])
                    try Command.check("ip", ["-n", ns, "link", "set", "br0", "up"])
                    try daemon.ok(["net-define", try daemon.file("bridged.xml",
                                                             "<network><name>bridged</name><forward mode='bridge'/><bridge name='br0'/></network>")])
                    try daemon.ok(["net-define", try daemon.file("direct.xml",
                                                             "<network><name>direct</name><forward mode='bridge'><interface dev='eth2'/></forward></network>")])
                    try daemon.ok(["net-start", "bridged"])
                    try daemon.ok(["net-start", "direct"])
                    try lan.serveDHCPAndDNS(["www.lan.example": LAN.address])
                    try lan.namespace.serveHTTP(address: LAN.address, port: 80, directory: daemon.directory)
                    for (network, bridge, mac) in [("bridged", "br0", "52:54:00:89:00:01"), ("direct", "direct", "52:54:00:89:00:02")] {
                        let (output, context) = try Self.boot(daemon, bridge: bridge, mac: mac, hostname: "\(network)vm",
                                                              lookup: "www.lan.example", console: network)
                        let lease = output.split(whereSeparator: \.isNewline).first { $0.hasPrefix("PATCHBAY-E2E: lease ") }
                        let address = lease.map { String($0.dropFirst("PATCHBAY-E2E: lease ".count).prefix { $0 != "/" }) } ?? "none"
                        #expect(address.hasPrefix("192.0.2.1"), "\(network): \(context)")
                        #expect(output.contains("router 192.0.2.1 dns 192.0.2.1 domain lan.test"), "\(network): \(context)")
                        #expect(output.contains("PATCHBAY-E2E: resolved www.lan.example 192.0.2.1"), "\(network): \(context)")
                        #expect(output.contains("PATCHBAY-E2E: ping 192.0.2.1 ok"), "\(network): \(context)")
                        // No NAT on the way: the LAN's server sees the guest's own address.
                        #expect(Self.fetched(output).hasPrefix("PATCHBAY-E2E: fetched \(address) (HTTP/1."), "\(network): \(context)")
                        #expect(lan.dhcpLeases.contains(mac), "\(network): \(lan.dhcpLeases)")
                        #expect(!(try daemon.ok(["net-dhcp-leases", network])).contains(mac))
                    }
                    // The macvtap the helper made went with its QEMU.
                    let deadline = Date().addingTimeInterval(10)
                    while Date() < deadline, try daemon.ok(["net-port-list", "direct", "--json"]).contains("macvtap") {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    #expect(!(try daemon.ok(["net-port-list", "direct", "--json"])).contains("macvtap"))
                    #expect(!(try daemon.namespace.nftRuleset()).contains("br0"))
                }
            }
        }
    }
}
