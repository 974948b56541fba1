import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// Open vSwitch networks (issue 14) against a real ovsdb-server and ovs-vswitchd (userspace
    /// datapath: this kernel has no openvswitch module) that each test starts in its own
    /// namespace, beside the daemon. What Patchbay writes is read back with `ovs-vsctl`, and VLANs
    /// are proven with real frames between namespaces.
    @Suite("Open vSwitch networks (root, namespaces, ovsdb-server, ovs-vswitchd)")
    struct OVSNetworkTests {
        /// A namespace with OVS and a daemon pointed at it, for the length of `body`.
        static func withOVS<T>(_ body: (DaemonHarness, OVSInstance) async throws -> T) async throws -> T {
            try await TestNamespace.with(prefix: "pbo") { namespace in
                let daemon = try DaemonHarness(namespace: namespace)
                defer { daemon.tearDown() }
                let ovs = try OVSInstance(namespace: namespace)
                defer { ovs.stop() }
                try daemon.start(arguments: ["--ovsdb", ovs.socketPath, "--vhost-user-dir", daemon.directory + "/vhost-user"])
                return try await body(daemon, ovs)
            }
        }

        static let vlanNetwork = """
            <network>
              <name>ovs-vlans</name>
              <forward mode='bridge'/>
              <bridge name='ovsbr0'/>
              <virtualport type='openvswitch'/>
              <portgroup name='v100' default='yes'><vlan><tag id='100'/></vlan></portgroup>
              <portgroup name='v200'><vlan><tag id='200'/></vlan></portgroup>
              <portgroup name='v123'><vlan><tag id='123'/></vlan></portgroup>
              <portgroup name='trunk'><vlan trunk='yes'><tag id='100'/><tag id='200'/></vlan></portgroup>
              <portgroup name='native'><vlan trunk='yes'><tag id='123' nativeMode='untagged'/><tag id='100'/></vlan></portgroup>
              <portgroup name='limited'><bandwidth><inbound average='1000' burst='256'/><outbound average='500' burst='64'/></bandwidth></portgroup>
            </network>
            """

        static func eventually(_ seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
            try await IntegrationTests.LoopGuardTests.eventually(seconds, condition)
        }

        static func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        /// A namespace with a veth port of `network` in `group`, addressed `address`/24.
        static func guest(_ daemon: DaemonHarness, network: String, group: String?, mac: String, address: String?,
                          _ namespace: TestNamespace) throws -> [String: Any] {
            var arguments = ["net-port-create", network, "--owner", namespace.name, "--type", "veth", "--netns", namespace.name,
                             "--mac", mac, "--json"]
            if let group { arguments += ["--portgroup", group] }
            let port = try json(try daemon.ok(arguments))
            if let address { try Command.check("ip", ["-n", namespace.name, "addr", "add", "\(address)/24", "dev", "eth0"]) }
            try Command.check("ip", ["-n", namespace.name, "link", "set", "eth0", "up"])
            return port
        }

        static func ping(_ from: TestNamespace, _ target: String, count: Int = 2) throws -> Bool {
            try from.exec(["ping", "-c", String(count), "-i", "0.2", "-W", "1", target]).succeeded
        }

        @Test func libvirtsOpenvswitchNetworkDefinesStartsAndTakesPorts() async throws {
            try await Self.withOVS { daemon, ovs in
                try daemon.ok(["net-define", Conformance.path("openvswitch-net")])
                try daemon.ok(["net-start", "openvswitch-net"])
                // No <bridge name>: Patchbay made one, tagged, on the datapath the host has.
                let bridges = try ovs.vsctl(["list-br"]).split(separator: "\n").map(String.init)
                let bridge = try #require(bridges.first { $0.hasPrefix("pbovs") }, "bridges: \(bridges)")
                #expect(try ovs.vsctl(["get", "bridge", bridge, "datapath_type"]).contains("netdev"))
                #expect(try ovs.vsctl(["get", "bridge", bridge, "external_ids:patchbay-tag"]).contains("patchbay:network:81ff0d90-c92e-6742-64da-4a736edb9a8b"))
                #expect(try daemon.namespace.link(bridge) != nil)
                let info = try daemon.ok(["net-info", "openvswitch-net"])
                #expect(info.contains("Datapath:       netdev (userspace)"), "\(info)")
                #expect(info.contains("made by Patchbay"), "\(info)")

                // A TAP in the default portgroup 'bob': a trunk of 666, libvirt's external_ids.
                let port = try Self.json(try daemon.ok(["net-port-create", "openvswitch-net", "--owner", "vm1", "--owner-uuid",
                                                        "c7a5fdbd-edaf-9455-926a-d65c16db1809", "--mac", "52:54:00:14:00:01", "--json"]))
                let device = try #require(port["device"] as? String)
                #expect(try ovs.vsctl(["list-ports", bridge]).contains(device))
                #expect(try ovs.vsctl(["get", "port", device, "trunks"]).contains("666"))
                #expect(try ovs.vsctl(["get", "port", device, "vlan_mode"]).contains("trunk"))
                let ids = try ovs.vsctl(["get", "interface", device, "external_ids"])
                #expect(ids.contains("attached-mac=\"52:54:00:14:00:01\""), "\(ids)")
                #expect(ids.contains("iface-status=active"), "\(ids)")
                #expect(ids.contains("vm-id=\"c7a5fdbd-edaf-9455-926a-d65c16db1809\""), "\(ids)")
                #expect(ids.contains("port-profile=bob-profile"), "\(ids)")
                // The interfaceid libvirt would generate is the port's, and OVS's iface-id.
                let xml = try daemon.ok(["net-port-dumpxml", "openvswitch-net", try #require(port["uuid"] as? String)])
                let interfaceID = try #require(xml.firstMatch(of: /interfaceid='([0-9a-f-]+)'/)?.1, "\(xml)")
                #expect(ids.contains("iface-id=\"\(interfaceID)\""), "\(ids)")
                #expect(xml.contains("<plug type='bridge' bridge='\(bridge)'/>"), "\(xml)")
                // The kernel agrees: a TAP, not enslaved to any Linux bridge.
                let link = try #require(try daemon.namespace.link(device))
                #expect(link["master"] == nil)
                #expect(try daemon.ok(["net-port-list", "openvswitch-net"]).contains(device))

                try daemon.ok(["net-port-delete", "openvswitch-net", try #require(port["uuid"] as? String)])
                #expect(!(try ovs.vsctl(["list-ports", bridge]).contains(device)))
                #expect(try daemon.namespace.link(device) == nil)
                try daemon.ok(["net-destroy", "openvswitch-net"])
                #expect(!(try ovs.vsctl(["list-br"]).contains(bridge)))

                // The example of the README: an OVS network with NAT, DHCP and DNS on ovsbr0.
                try daemon.ok(["net-define", GuestVMTests.packageRoot + "/examples/ovs-network.xml"])
                try daemon.ok(["net-start", "ovs-network"])
                #expect(try ovs.vsctl(["get", "bridge", "ovsbr0", "datapath_type"]).contains("netdev"))
                #expect(try daemon.namespace.addresses("ovsbr0").contains("192.168.150.1/24"))
            }
        }

        @Test func vlanAccessTrunkAndNativeWithRealFrames() async throws {
            try await Self.withOVS { daemon, ovs in
                _ = try ovs.vsctl(["add-br", "ovsbr0", "--", "set", "bridge", "ovsbr0", "datapath_type=netdev"])
                try daemon.ok(["net-define", try daemon.file("ovs-vlans.xml", Self.vlanNetwork)])
                try daemon.ok(["net-start", "ovs-vlans"])
                try await TestNamespace.with(prefix: "pbva") { a1 in
                try await TestNamespace.with(prefix: "pbvb") { a2 in
                try await TestNamespace.with(prefix: "pbvc") { b1 in
                try await TestNamespace.with(prefix: "pbvd") { trunk in
                try await TestNamespace.with(prefix: "pbve") { c1 in
                try await TestNamespace.with(prefix: "pbvf") { native in
                    let p1 = try Self.guest(daemon, network: "ovs-vlans", group: "v100", mac: "52:54:00:14:01:01", address: "10.14.0.1", a1)
                    _ = try Self.guest(daemon, network: "ovs-vlans", group: nil, mac: "52:54:00:14:01:02", address: "10.14.0.2", a2)
                    _ = try Self.guest(daemon, network: "ovs-vlans", group: "v200", mac: "52:54:00:14:02:01", address: "10.14.0.3", b1)
                    _ = try Self.guest(daemon, network: "ovs-vlans", group: "trunk", mac: "52:54:00:14:03:01", address: nil, trunk)
                    _ = try Self.guest(daemon, network: "ovs-vlans", group: "v123", mac: "52:54:00:14:04:01", address: "10.14.0.5", c1)
                    let n = try Self.guest(daemon, network: "ovs-vlans", group: "native", mac: "52:54:00:14:05:01", address: "10.14.0.6", native)
                    // What OVS was told, read back.
                    let d1 = try #require(p1["device"] as? String), dn = try #require(n["device"] as? String)
                    #expect(try ovs.vsctl(["get", "port", d1, "tag"]).trimmingCharacters(in: .whitespacesAndNewlines) == "100")
                    #expect(try ovs.vsctl(["get", "port", dn, "vlan_mode"]).contains("native-untagged"))
                    #expect(try ovs.vsctl(["get", "port", dn, "tag"]).contains("123"))

                    // Access: VLAN 100 reaches VLAN 100, and not VLAN 200.
                    #expect(try await Self.eventually(10) { try Self.ping(a1, "10.14.0.2", count: 1) }, "\(daemon.logs.suffix(2000))")
                    #expect(!(try Self.ping(a1, "10.14.0.3")))
                    #expect(!(try Self.ping(b1, "10.14.0.2")))

                    // Trunk: frames of VLAN 100 and 200 arrive tagged (tcpdump reads the tag the
                    // kernel keeps beside the frame through PACKET_AUXDATA).
                    let trunkFrames = try await Self.capture(in: trunk, filter: "vlan", count: 6, directory: daemon.directory, name: "trunk") {
                        _ = try? Self.ping(a1, "10.14.0.99", count: 2)
                        _ = try? Self.ping(b1, "10.14.0.98", count: 2)
                    }
                    #expect(trunkFrames.contains("vlan 100"), "\(trunkFrames)")
                    #expect(trunkFrames.contains("vlan 200"), "\(trunkFrames)")

                    // Native: VLAN 123 arrives untagged, VLAN 100 tagged, on the same port; and
                    // the native port talks to VLAN 123 untagged.
                    let nativeFrames = try await Self.capture(in: native, filter: "arp or vlan", count: 4, directory: daemon.directory, name: "native") {
                        _ = try? Self.ping(c1, "10.14.0.97", count: 2)
                        _ = try? Self.ping(a1, "10.14.0.96", count: 2)
                    }
                    let untaggedFromC1 = nativeFrames.split(separator: "\n").contains { $0.contains("52:54:00:14:04:01") && !$0.contains("vlan") }
                    #expect(untaggedFromC1, "\(nativeFrames)")
                    #expect(nativeFrames.contains("vlan 100"), "\(nativeFrames)")
                    #expect(!nativeFrames.contains("vlan 123"), "\(nativeFrames)")
                    #expect(try Self.ping(native, "10.14.0.5"))

                    // net-flows: OVS's NORMAL switching, and counters that moved.
                    let flows = try Self.json(try daemon.ok(["net-flows", "ovs-vlans", "--json"]))
                    let rules = try #require(flows["flows"] as? [[String: Any]])
                    #expect(rules.contains { ($0["actions"] as? String) == "NORMAL" && (($0["packets"] as? Int) ?? 0) > 0 }, "\(flows)")
                    let counters = try #require(flows["ports"] as? [[String: Any]])
                    #expect(counters.contains { ($0["name"] as? String) == d1 && (($0["rxPackets"] as? Int) ?? 0) > 0 }, "\(flows)")
                    #expect(try daemon.ok(["net-flows", "ovs-vlans"]).contains("NORMAL"))
                }
                }
                }
                }
                }
                }
            }
        }

        /// Runs tcpdump in `namespace` until it has `count` frames matching `filter` (or 15 s),
        /// doing `traffic` once it listens; returns its lines (with link-level headers). Waits with
        /// Task.sleep: a blocked thread would be one of the two the concurrency pool has here.
        static func capture(in namespace: TestNamespace, filter: String, count: Int, directory: String, name: String,
                            _ traffic: () throws -> Void) async throws -> String {
            let output = directory + "/tcpdump-\(name).out"
            let dump = try ChildProcess("ip", ["netns", "exec", namespace.name, "timeout", "15", "tcpdump", "-l", "-i", "eth0", "-e", "-nn",
                                               "-c", String(count), filter], outputPath: output)
            defer { dump.stop() }
            func text() -> String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }
            _ = try await eventually(10) { text().contains("listening on") }
            try traffic()
            _ = try await eventually(15) { !dump.isRunning }
            return text()
        }

        @Test func bandwidthBecomesIngressPolicingAndAnEgressPolicer() async throws {
            try await Self.withOVS { daemon, ovs in
                _ = try ovs.vsctl(["add-br", "ovsbr0", "--", "set", "bridge", "ovsbr0", "datapath_type=netdev"])
                try daemon.ok(["net-define", try daemon.file("ovs-vlans.xml", Self.vlanNetwork)])
                try daemon.ok(["net-start", "ovs-vlans"])
                let port = try Self.json(try daemon.ok(["net-port-create", "ovs-vlans", "--owner", "vm", "--portgroup", "limited", "--json"]))
                let device = try #require(port["device"] as? String)
                // <outbound average='500' burst='64'> (kB/s, kB): 4000 kbit/s, 512 kbit.
                #expect(try ovs.vsctl(["get", "interface", device, "ingress_policing_rate"]).contains("4000"))
                #expect(try ovs.vsctl(["get", "interface", device, "ingress_policing_burst"]).contains("512"))
                // <inbound average='1000' burst='256'>: an egress policer of 1,000,000 B/s.
                let qos = try ovs.vsctl(["get", "port", device, "qos"]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(try ovs.vsctl(["get", "qos", qos, "type"]).contains("egress-policer"))
                #expect(try ovs.vsctl(["get", "qos", qos, "other_config:cir"]).contains("1000000"))
                #expect(try ovs.vsctl(["get", "qos", qos, "other_config:cbs"]).contains("262144"))
            }
        }

        @Test func portsSurviveADaemonRestartAndAnOVSRestartAndComeBackWhenDeleted() async throws {
            try await Self.withOVS { daemon, ovs in
                _ = try ovs.vsctl(["add-br", "ovsbr0", "--", "set", "bridge", "ovsbr0", "datapath_type=netdev"])
                try daemon.ok(["net-define", try daemon.file("ovs-vlans.xml", Self.vlanNetwork)])
                try daemon.ok(["net-start", "ovs-vlans"])
                try await TestNamespace.with(prefix: "pbra") { a1 in
                try await TestNamespace.with(prefix: "pbrb") { a2 in
                    let p1 = try Self.guest(daemon, network: "ovs-vlans", group: "v100", mac: "52:54:00:14:11:01", address: "10.14.1.1", a1)
                    _ = try Self.guest(daemon, network: "ovs-vlans", group: "v100", mac: "52:54:00:14:11:02", address: "10.14.1.2", a2)
                    let device = try #require(p1["device"] as? String)
                    #expect(try await Self.eventually(10) { try Self.ping(a1, "10.14.1.2", count: 1) })

                    // Daemon down, the port's row deleted behind its back: the restart finds the
                    // port by its record and puts it back, VLAN and external_ids included.
                    _ = daemon.stop()
                    _ = try ovs.vsctl(["del-port", device])
                    try daemon.start(arguments: ["--ovsdb", ovs.socketPath, "--vhost-user-dir", daemon.directory + "/vhost-user"])
                    #expect(try await Self.eventually(10) { (try? ovs.vsctl(["get", "port", device, "tag"]))?.contains("100") == true },
                            "\(daemon.logs.suffix(3000))")
                    #expect(try ovs.vsctl(["get", "interface", device, "external_ids:attached-mac"]).contains("52:54:00:14:11:01"))
                    #expect(try await Self.eventually(10) { try Self.ping(a1, "10.14.1.2", count: 1) })

                    // ovs-vswitchd restarts: the rows stay in the database, the devices are
                    // reopened, traffic flows again.
                    try ovs.restartVswitchd()
                    #expect(try await Self.eventually(20) { try Self.ping(a1, "10.14.1.2", count: 1) }, "\(daemon.logs.suffix(3000))")

                    // Deleted while the daemon runs: the monitor sees it and the port comes back.
                    _ = try ovs.vsctl(["del-port", device])
                    #expect(try await Self.eventually(10) { (try? ovs.vsctl(["list-ports", "ovsbr0"]))?.contains(device) == true },
                            "\(daemon.logs.suffix(3000))")
                    #expect(try await Self.eventually(10) { try Self.ping(a1, "10.14.1.2", count: 1) })
                }
                }
            }
        }

        @Test func anOVSNetworkPatchbayOwnsServesDHCPAndDNSOnItsInternalPort() async throws {
            try await Self.withOVS { daemon, ovs in
                let xml = """
                    <network>
                      <name>ovs-nat</name>
                      <forward mode='nat'/>
                      <bridge name='pbovsnat0'/>
                      <virtualport type='openvswitch'/>
                      <domain name='ovs.test'/>
                      <ip address='10.14.2.1' netmask='255.255.255.0'>
                        <dhcp><range start='10.14.2.100' end='10.14.2.150'/></dhcp>
                      </ip>
                    </network>
                    """
                try daemon.ok(["net-define", try daemon.file("ovs-nat.xml", xml)])
                try daemon.ok(["net-start", "ovs-nat"])
                #expect(try ovs.vsctl(["get", "bridge", "pbovsnat0", "datapath_type"]).contains("netdev"))
                #expect(try daemon.namespace.addresses("pbovsnat0").contains("10.14.2.1/24"))
                let script = try IntegrationTests.DHCPClientTests.udhcpcScript(in: daemon.directory)
                try await TestNamespace.with(prefix: "pbdn") { guest in
                    _ = try Self.guest(daemon, network: "ovs-nat", group: nil, mac: "52:54:00:14:20:01", address: nil, guest)
                    let client = try guest.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-t", "10", "-T", "1", "-s", script, "-x", "hostname:ovsguest"])
                    #expect(client.succeeded, "\(client)\n\(daemon.logs.suffix(3000))")
                    let bound = IntegrationTests.DHCPClientTests.environment(daemon.directory + "/udhcpc-bound.env")
                    #expect(bound["ip"]?.hasPrefix("10.14.2.1") == true, "\(bound)")
                    #expect(bound["router"] == "10.14.2.1")
                    #expect(try Self.ping(guest, "10.14.2.1"))
                    let answer = try guest.exec(["dig", "+short", "+tries=1", "+time=2", "@10.14.2.1", "ovsguest.ovs.test"])
                    #expect(answer.stdout.contains(bound["ip"] ?? "?"), "\(answer)")
                    #expect(try daemon.ok(["net-dhcp-leases", "ovs-nat"]).contains("52:54:00:14:20:01"))

                    // ovs-vswitchd restarts and makes the internal device anew: its address and the
                    // DHCP server come back.
                    try ovs.restartVswitchd()
                    #expect(try await Self.eventually(20) { (try? daemon.namespace.addresses("pbovsnat0"))?.contains("10.14.2.1/24") == true },
                            "\(daemon.logs.suffix(3000))")
                    #expect(try await Self.eventually(20) { try Self.ping(guest, "10.14.2.1", count: 1) })
                }
                try daemon.ok(["net-destroy", "ovs-nat"])
                #expect(!(try ovs.vsctl(["list-br"]).contains("pbovsnat0")))
            }
        }

        @Test func badInputIsRefusedAndChangesNothing() async throws {
            try await Self.withOVS { daemon, ovs in
                // An OVS bridge that does not exist.
                let missing = Self.vlanNetwork.replacingOccurrences(of: "ovsbr0", with: "nosuchbr").replacingOccurrences(of: "ovs-vlans", with: "ovs-missing")
                try daemon.ok(["net-define", try daemon.file("missing.xml", missing)])
                let start = try daemon.cli(["net-start", "ovs-missing"])
                #expect(start.status != 0)
                #expect(start.stderr.contains("nosuchbr") && start.stderr.contains("ovs-vsctl add-br"), "\(start)")
                #expect(try daemon.network("ovs-missing")?["active"] as? Bool == false)
                #expect(!(try ovs.vsctl(["list-br"]).contains("nosuchbr")))

                // VLAN ids outside 0-4095, a trunk without tags.
                for (label, vlan) in [("4096", "<vlan><tag id='4096'/></vlan>"), ("trunk", "<vlan trunk='yes'></vlan>")] {
                    let xml = "<network><name>bad-\(label)</name><forward mode='bridge'/><bridge name='ovsbr0'/><virtualport type='openvswitch'/>\(vlan)</network>"
                    let result = try daemon.cli(["net-define", try daemon.file("bad-\(label).xml", xml)])
                    #expect(result.status != 0, "\(label): \(result)")
                    #expect(result.stderr.contains("vlan") || result.stderr.contains("tag"), "\(label): \(result)")
                    #expect(try daemon.network("bad-\(label)") == nil)
                }

                // A port on an OVS network whose OVS went away.
                _ = try ovs.vsctl(["add-br", "ovsbr0", "--", "set", "bridge", "ovsbr0", "datapath_type=netdev"])
                try daemon.ok(["net-define", try daemon.file("ovs-vlans.xml", Self.vlanNetwork)])
                try daemon.ok(["net-start", "ovs-vlans"])
                let before = try daemon.ok(["net-port-list", "ovs-vlans", "--json"])
                ovs.stop()
                let port = try daemon.cli(["net-port-create", "ovs-vlans", "--owner", "vm"])
                #expect(port.status != 0)
                #expect(port.stderr.contains(ovs.socketPath), "\(port)")
                #expect(try daemon.ok(["net-port-list", "ovs-vlans", "--json"]) == before)
                #expect(try daemon.namespace.link("vnet0") == nil)
            }
        }
    }
}
