import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The kernel-bypass path end to end: OVS-DPDK (ovs-vswitchd-dpdk, its EAL on hugepages the
    /// test reserves) runs a userspace bridge Patchbay owns; a TCG guest on a vhost-user port gets
    /// its lease from Patchbay's DHCP on the bridge's internal port and pings a second TCG guest
    /// on a TAP port of the same network. QEMU serves the vhost-user socket Patchbay named; OVS
    /// connects to it (`dpdkvhostuserclient`).
    @Suite("A vhost-user guest on OVS-DPDK (root, namespaces, hugepages, qemu)")
    struct VhostUserGuestTests {
        static let network = """
            <network>
              <name>dpdk</name>
              <forward mode='nat'/>
              <bridge name='pbdpdk0'/>
              <virtualport type='openvswitch'/>
              <domain name='dpdk.test'/>
              <ip address='10.14.9.1' netmask='255.255.255.0'>
                <dhcp><range start='10.14.9.100' end='10.14.9.150'/></dhcp>
              </ip>
            </network>
            """

        static func guestFiles() throws -> String {
            let guest = GuestVMTests.packageRoot + "/.build/e2e-guest"
            let build = try Command.run(GuestVMTests.packageRoot + "/scripts/build-guest.sh", [guest])
            try #require(build.succeeded, "\(build)")
            return guest
        }

        /// QEMU under TCG with `netdev` and the virtio-net options these machines need
        /// (docs/ovs-dpdk-findings.md: `csum=off` on the userspace datapath, `vectors=0` for
        /// vhost-user under TCG).
        static func qemu(_ daemon: DaemonHarness, name: String, append: String, netdev: [String]) throws -> ChildProcess {
            let guest = try guestFiles()
            return try ChildProcess("ip", [
                // Niced: two TCG guests would otherwise take both cores from the tests beside them.
                "netns", "exec", daemon.namespace.name, "nice", "-n", "10",
                "qemu-system-x86_64", "-accel", "tcg", "-m", "256", "-nodefaults", "-display", "none", "-no-reboot",
                "-name", "guest=\(name)", "-serial", "file:\(daemon.directory)/\(name).log",
                "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz", "-append", "console=ttyS0 rdinit=/init panic=-1 " + append,
            ] + netdev, outputPath: daemon.directory + "/\(name).qemu.out")
        }

        static func console(_ daemon: DaemonHarness, _ name: String) -> String {
            (try? String(contentsOfFile: "\(daemon.directory)/\(name).log", encoding: .utf8)) ?? ""
        }

        static func waitFor(_ marker: String, in name: String, _ daemon: DaemonHarness, _ process: ChildProcess, seconds: Double = 240) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if console(daemon, name).contains(marker) { return true }
                if !process.isRunning { break }
                try? await Task.sleep(for: .milliseconds(250))
            }
            return console(daemon, name).contains(marker)
        }

        @Test func aVhostUserGuestGetsALeaseAndPingsATapGuest() async throws {
            try await TestNamespace.with(prefix: "pbu") { namespace in
                let daemon = try DaemonHarness(namespace: namespace)
                defer { daemon.tearDown() }
                let pages = try HugePages(pages: 512, directory: daemon.directory + "/huge")
                defer { pages.release() }
                let ovs = try OVSInstance(namespace: namespace, startVswitchd: false)
                defer { ovs.stop() }
                try ovs.startDPDKVswitchd(hugeDirectory: pages.directory)
                try daemon.start(arguments: ["--ovsdb", ovs.socketPath, "--vhost-user-dir", daemon.directory + "/vhu"])
                try daemon.ok(["net-define", try daemon.file("dpdk.xml", Self.network)])
                try daemon.ok(["net-start", "dpdk"])
                #expect(try ovs.vsctl(["get", "bridge", "pbdpdk0", "datapath_type"]).contains("netdev"))

                // The TAP guest, at a fixed address, waiting.
                let tap = try OVSNetworkTests.json(try daemon.ok(["net-port-create", "dpdk", "--owner", "tapguest", "--mac", "52:54:00:14:09:02", "--json"]))
                let tapDevice = try #require(tap["device"] as? String)
                let tapGuest = try Self.qemu(daemon, name: "tapguest", append: "patchbay.mode=console patchbay.ip=10.14.9.50/24", netdev: [
                    "-netdev", "tap,id=n0,ifname=\(tapDevice),script=no,downscript=no,vhost=off",
                    "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:14:09:02,csum=off",
                ])
                defer { tapGuest.stop() }
                #expect(await Self.waitFor("PATCHBAY-E2E: ready", in: "tapguest", daemon, tapGuest),
                        "tap guest:\n\(Self.console(daemon, "tapguest").suffix(1500))")

                // The vhost-user guest: Patchbay names the socket, QEMU serves it.
                let vhost = try OVSNetworkTests.json(try daemon.ok(["net-port-create", "dpdk", "--owner", "vhostguest", "--type", "vhostuser",
                                                                    "--mac", "52:54:00:14:09:01", "--json"]))
                let socket = try #require(vhost["socketPath"] as? String)
                let device = try #require(vhost["device"] as? String)
                #expect(try ovs.vsctl(["get", "interface", device, "type"]).contains("dpdkvhostuserclient"))
                #expect(try ovs.vsctl(["get", "interface", device, "options:vhost-server-path"]).contains(socket))
                let vhostGuest = try Self.qemu(daemon, name: "vhostguest", append: "patchbay.hostname=vhostguest patchbay.lookup=vhostguest.dpdk.test patchbay.path=/ patchbay.ping=10.14.9.50", netdev: [
                    "-object", "memory-backend-memfd,id=mem,size=256M,share=on", "-numa", "node,memdev=mem",
                    "-chardev", "socket,id=c0,path=\(socket),server=on",
                    "-netdev", "vhost-user,id=n0,chardev=c0",
                    "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:14:09:01,vectors=0,csum=off",
                ])
                defer { vhostGuest.stop() }
                let done = await Self.waitFor("PATCHBAY-E2E: done", in: "vhostguest", daemon, vhostGuest)
                let output = Self.console(daemon, "vhostguest")
                let markers = output.split(whereSeparator: \.isNewline).filter { $0.contains("PATCHBAY-E2E") }.joined(separator: "\n")
                let context = "markers:\n\(markers)\nqemu: \((try? String(contentsOfFile: daemon.directory + "/vhostguest.qemu.out", encoding: .utf8)) ?? "")\n"
                    + "vswitchd:\n\(ovs.logs(ovs.vswitchdLogPath).suffix(2500))\n--- daemon ---\n\(daemon.logs.suffix(2500))"
                #expect(done, "\(context)")
                #expect(output.contains("PATCHBAY-E2E: lease 10.14.9.1"), "\(context)")
                #expect(output.contains("PATCHBAY-E2E: ping 10.14.9.1 ok"), "\(context)")
                #expect(output.contains("PATCHBAY-E2E: ping 10.14.9.50 ok"), "\(context)")
                #expect(try daemon.ok(["net-dhcp-leases", "dpdk"]).contains("52:54:00:14:09:01"))
                // OVS saw QEMU's side: the port's link came up while the guest ran.
                #expect(try daemon.ok(["net-port-list", "dpdk"]).contains(device))
            }
        }
    }
}
