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

        @Test func aBootedGuestGetsItsLeaseAndNameAndReachesUpstream() async throws {
            let guest = Self.packageRoot + "/.build/e2e-guest"
            let build = try Command.run(Self.packageRoot + "/scripts/build-guest.sh", [guest])
            try #require(build.succeeded, "\(build)")
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("e2e.xml", Self.network)])
                try daemon.ok(["net-start", "e2e"])
                try await daemon.withUpstream { upstream in
                    try upstream.serveDNS(["www.upstream.example": Upstream.address])
                    try upstream.namespace.serveHTTP(address: Upstream.address, port: 80, directory: daemon.directory)
                    let console = daemon.directory + "/console.log"
                    let append = "console=ttyS0 rdinit=/init panic=-1 patchbay.hostname=e2evm patchbay.lookup=www.upstream.example "
                        + "patchbay.path=/cgi-bin/ip"
                    let qemu = try ChildProcess("ip", [
                        "netns", "exec", daemon.namespace.name, "env", "PATCHBAY_HELPER_SOCKET=\(daemon.helperSocketPath)",
                        "qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-nodefaults", "-display", "none", "-no-reboot",
                        "-name", "guest=e2evm", "-serial", "file:\(console)",
                        "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz", "-append", append,
                        "-netdev", "bridge,id=n0,br=pbe2e0,helper=\(Binaries.bridgeHelper)",
                        "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:88:00:01",
                    ], outputPath: daemon.directory + "/qemu.out")
                    defer { qemu.stop() }
                    let began = Date()
                    var output = ""
                    while Date().timeIntervalSince(began) < 240 {
                        output = (try? String(contentsOfFile: console, encoding: .utf8)) ?? ""
                        if output.contains("PATCHBAY-E2E: done") || !qemu.isRunning { break }
                        try await Task.sleep(for: .milliseconds(250))
                    }
                    let qemuOutput = (try? String(contentsOfFile: daemon.directory + "/qemu.out", encoding: .utf8)) ?? ""
                    let markers = output.split(whereSeparator: \.isNewline).filter { $0.contains("PATCHBAY-E2E") }.joined(separator: "\n")
                    let context = "markers:\n\(markers)\nqemu:\n\(qemuOutput)\nconsole tail:\n\(output.suffix(1500))"
                    #expect(output.contains("PATCHBAY-E2E: done"), "\(context)")
                    #expect(output.contains("PATCHBAY-E2E: lease 10.88.0.1"), "\(context)")
                    #expect(output.contains("router 10.88.0.1 dns 10.88.0.1 domain e2e.test"), "\(context)")
                    #expect(output.contains("PATCHBAY-E2E: self e2evm 10.88.0.1"), "\(context)")
                    #expect(output.contains("PATCHBAY-E2E: resolved www.upstream.example \(Upstream.address)"), "\(context)")
                    #expect(output.contains("PATCHBAY-E2E: ping 10.88.0.1 ok"), "\(context)")
                    // Through NAT the upstream server sees the host's address.
                    let fetched = output.split(whereSeparator: \.isNewline).first { $0.hasPrefix("PATCHBAY-E2E: fetched") }.map(String.init) ?? ""
                    #expect(fetched.hasPrefix("PATCHBAY-E2E: fetched \(Upstream.hostSide) (HTTP/1.") && fetched.hasSuffix(" 200 OK)"), "\(context)")
                    let leases = try daemon.ok(["net-dhcp-leases", "e2e"])
                    #expect(leases.contains("52:54:00:88:00:01") && leases.contains("e2evm"), "\(leases)")
                    #expect(Date().timeIntervalSince(began) < 240)
                }
            }
        }
    }
}
