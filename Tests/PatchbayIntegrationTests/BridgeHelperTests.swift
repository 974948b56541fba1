import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// `patchbay-bridge-helper` driven the way QEMU drives it: a process whose command line looks
    /// like QEMU's starts the helper with `--use-vnet --br=BRIDGE --fd=N` on one end of a socket
    /// pair, receives the TAP descriptor with SCM_RIGHTS, holds it, and closes it.
    @Suite("QEMU bridge helper (root, namespaces)")
    struct BridgeHelperTests {
        /// Stands in for QEMU: argv[1] helper path, argv[2] bridge, argv[3] output file, argv[4] a
        /// file whose appearance tells it to close the TAP (it gives up after a minute); the rest
        /// only makes /proc/self/cmdline look like QEMU's.
        static let fakeQEMU = #"""
            import array, fcntl, os, socket, struct, subprocess, sys, time
            helper, bridge, output, release = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            proc = subprocess.run([helper, "--use-vnet", "--br=" + bridge, "--fd=%d" % theirs.fileno()],
                                  pass_fds=[theirs.fileno()], capture_output=True, text=True)
            if proc.returncode != 0:
                open(output, "w").write("helper failed: %d %s" % (proc.returncode, proc.stderr))
                sys.exit(1)
            fds = array.array("i")
            msg, ancdata, flags, addr = ours.recvmsg(1, socket.CMSG_LEN(fds.itemsize))
            fds.frombytes(ancdata[0][2][:fds.itemsize])
            tap = fds[0]
            ifr = fcntl.ioctl(tap, 0x800454d2, b"\0" * 40)  # TUNGETIFF
            name = ifr[:16].split(b"\0")[0].decode()
            flags = struct.unpack("H", ifr[16:18])[0]
            open(output + ".tmp", "w").write("%s %d\n" % (name, flags))
            os.rename(output + ".tmp", output)
            deadline = time.monotonic() + 60
            while not os.path.exists(release) and time.monotonic() < deadline:
                time.sleep(0.05)
            os.close(tap)
            """#

        @Test func qemuGetsATapOnThePatchbayBridgeAndThePortGoesWithIt() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", """
                    <network><name>lab</name><bridge name='pbhelp0' stp='off'/><ip address='10.87.0.1' prefix='24'/></network>
                    """)])
                try daemon.ok(["net-start", "lab"])
                let script = try daemon.file("fake-qemu.py", Self.fakeQEMU)
                let output = daemon.directory + "/fake-qemu.out"
                let release = daemon.directory + "/fake-qemu.release"
                let qemu = try ChildProcess("ip", ["netns", "exec", daemon.namespace.name, "env", "PATCHBAY_HELPER_SOCKET=\(daemon.helperSocketPath)",
                                                   "python3", script, Binaries.bridgeHelper, "pbhelp0", output, release,
                                                   "-name", "guest=vm7,debug-threads=on",
                                                   "-netdev", "bridge,id=n0,br=pbhelp0",
                                                   "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:87:00:07"])
                defer { qemu.stop() }
                var line = ""
                for _ in 0..<600 where line.isEmpty {
                    line = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                    if line.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
                }
                let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
                let device = try #require(fields.first, "\(line)\n\(daemon.logs)")
                #expect(device.hasPrefix("tap"), "\(line)")
                // IFF_TAP | IFF_NO_PI | IFF_VNET_HDR as QEMU asked.
                let tunFlags = fields.count == 2 ? (Int(fields[1]) ?? 0) : 0
                #expect(tunFlags & 0x5002 == 0x5002, "\(line)")
                let link = try #require(try daemon.namespace.link(device))
                #expect(link["master"] as? String == "pbhelp0")
                #expect(link["address"] as? String == "fe:54:00:87:00:07")
                let ports = try daemon.ok(["domiflist", "vm7"])
                #expect(ports.contains(device) && ports.contains("52:54:00:87:00:07"), "\(ports)")

                // QEMU closes the TAP: the device and the port are gone within the daemon's sweep.
                _ = FileManager.default.createFile(atPath: release, contents: nil)
                #expect(qemu.wait(seconds: 30) != nil)
                var gone = false
                for _ in 0..<100 where !gone {
                    gone = !(try daemon.ok(["net-port-list", "lab"]).contains(device))
                    if !gone { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(gone)
                #expect(try daemon.namespace.link(device) == nil)
            }
        }

        @Test func onlyPatchbayBridgesAreServed() async throws {
            try await DaemonHarness.with { daemon in
                try Command.check("ip", ["-n", daemon.namespace.name, "link", "add", "name", "otherbr0", "type", "bridge"])
                let result = try daemon.namespace.exec(["env", "PATCHBAY_HELPER_SOCKET=\(daemon.helperSocketPath)", Binaries.bridgeHelper,
                                                        "--use-vnet", "--br=otherbr0", "--fd=0"])
                #expect(result.status == 1)
                #expect(result.stderr.contains("bridge otherbr0 does not belong to an active Patchbay network"))
                let usage = try daemon.namespace.exec([Binaries.bridgeHelper, "--br=x"])
                #expect(usage.status == 1)
                #expect(usage.stderr.contains("--fd=N"))
            }
        }

        /// B-H4: a local user who is not root is refused until the ACL names them for the network;
        /// the daemon, not the helper, decides, from the kernel's account of who is asking.
        @Test func anUnprivilegedUserNeedsTheACL() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", """
                    <network><name>lab</name><bridge name='pbacl0' stp='off'/><ip address='10.89.0.1' prefix='24'/></network>
                    """)])
                try daemon.ok(["net-start", "lab"])
                let script = try daemon.file("fake-qemu.py", Self.fakeQEMU)
                let scratch = daemon.directory + "/nobody"
                try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
                /// Runs the fake QEMU as nobody until it holds the TAP (or failed); returns its report.
                /// It holds the TAP until the test ends.
                var running: [(ChildProcess, String)] = []
                defer {
                    for (qemu, release) in running {
                        _ = FileManager.default.createFile(atPath: release, contents: nil)
                        qemu.stop()
                    }
                }
                func attempt(_ n: Int) async throws -> String {
                    let output = scratch + "/out\(n)", release = scratch + "/release\(n)"
                    let qemu = try ChildProcess("ip", ["netns", "exec", daemon.namespace.name, "setpriv", "--reuid=65534", "--regid=65534",
                                                       "--clear-groups", "env", "PATCHBAY_HELPER_SOCKET=\(daemon.helperSocketPath)",
                                                       "/usr/bin/python3", script, Binaries.bridgeHelper, "pbacl0", output, release,
                                                       "-name", "guest=vm\(n)", "-netdev", "bridge,id=n0,br=pbacl0",
                                                       "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:89:00:0\(n)"])
                    running.append((qemu, release))
                    for _ in 0..<300 {
                        if let text = try? String(contentsOfFile: output, encoding: .utf8), !text.isEmpty { return text }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    return ""
                }
                let refused = try await attempt(1)
                #expect(refused.hasPrefix("helper failed: 1"), "\(refused)")
                #expect(refused.contains("user nobody may not attach guests to network 'lab': no rule in \(daemon.helperACLPath) allows it"), "\(refused)")
                #expect(try daemon.ok(["net-port-list", "lab", "--json"]).trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]"
                        || !(try daemon.ok(["net-port-list", "lab"]).contains("vm1")))

                try "# who may attach guests\ndeny all group nogroup-not-this-one\nallow lab user nobody\n"
                    .write(toFile: daemon.helperACLPath, atomically: true, encoding: .utf8)
                let allowed = try await attempt(2)
                let device = try #require(allowed.split(separator: " ").first.map(String.init), "\(allowed)\n\(daemon.logs.suffix(3000))")
                #expect(device.hasPrefix("tap"), "\(allowed)")
                #expect(try daemon.namespace.link(device)?["master"] as? String == "pbacl0")
                let ports = try JSONSerialization.jsonObject(with: Data(try daemon.ok(["net-port-list", "lab", "--json"]).utf8)) as? [[String: Any]]
                #expect(ports?.first { $0["device"] as? String == device }?["requestedBy"] as? Int == 65534)

                // The first rule that matches decides.
                try "deny lab uid 65534\nallow all everyone\n".write(toFile: daemon.helperACLPath, atomically: true, encoding: .utf8)
                let denied = try await attempt(3)
                #expect(denied.contains("line 1 of \(daemon.helperACLPath) denies it"), "\(denied)")
                // A line the daemon cannot read is an error that names it, not a silent grant.
                try "allow lab someone\n".write(toFile: daemon.helperACLPath, atomically: true, encoding: .utf8)
                let broken = try await attempt(4)
                #expect(broken.contains("\(daemon.helperACLPath), line 1"), "\(broken)")
            }
        }
    }
}
