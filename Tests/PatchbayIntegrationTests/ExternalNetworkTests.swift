import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// Networks that put guests straight on the LAN: a host bridge (`<forward mode='bridge'>`
    /// with `<bridge name>`) and macvtap NICs in each of the four modes, over veth "NICs" to a LAN
    /// namespace, with real packets (a macvtap's guest is `scripts/macvtap-guest.py` on its
    /// character device). Read back with `ip -j -d link`.
    @Suite("Bridge and macvtap networks (root, namespaces)")
    struct ExternalNetworkTests {
        static func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        static func direct(_ name: String, _ mode: String, _ nics: [String]) -> String {
            "<network><name>\(name)</name><forward mode='\(mode)'>" + nics.map { "<interface dev='\($0)'/>" }.joined() + "</forward></network>"
        }

        static let hostBridge = "<network><name>br0-network</name><forward mode='bridge'/><bridge name='br0'/></network>"

        @Test func bridgeModeGuestsReachTheLANThroughTheHostsBridge() async throws {
            try await DaemonHarness.with { daemon in
                try await daemon.withLAN(nics: ["eth1"]) { lan in
                    let ns = daemon.namespace.name
                    // The host's bridge, made by the administrator (not by Patchbay).
                    try Command.check("ip", ["-n", ns, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"])
                    try Command.check("ip", ["-n", ns, "link", "set", "eth1", "master", "br0"])
                    try Command.check("ip", ["-n", ns, "link", "set", "br0", "up"])
                    let bridgeBefore = try #require(try daemon.namespace.link("br0"))
                    try daemon.ok(["net-define", try daemon.file("br0.xml", Self.hostBridge)])
                    try daemon.ok(["net-start", "br0-network"])
                    try await TestNamespace.with(prefix: "pbg") { guest in
                        let port = try Self.json(try daemon.ok(["net-port-create", "br0-network", "--owner", "ct1", "--type", "veth",
                                                                "--netns", guest.name, "--mac", "52:54:00:13:00:01", "--json"]))
                        let device = try #require(port["device"] as? String)
                        let uuid = try #require(port["uuid"] as? String)
                        let link = try #require(try daemon.namespace.link(device))
                        #expect(link["master"] as? String == "br0")
                        try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                        try Command.check("ip", ["-n", guest.name, "addr", "add", "192.0.2.50/24", "dev", "eth0"])
                        #expect(try guest.exec(["busybox", "ping", "-c", "2", "-W", "2", LAN.address]).succeeded)
                        // libvirt's plug for a host bridge.
                        let xml = try daemon.ok(["net-port-dumpxml", "br0-network", uuid])
                        #expect(xml.contains("<plug type='bridge' bridge='br0'/>"), "\(xml)")
                        // Patchbay put nothing of its own on the LAN: no addresses on br0, no rules for it.
                        #expect(try daemon.namespace.addresses("br0").filter { !$0.hasPrefix("fe80") }.isEmpty)
                        #expect(!(try daemon.namespace.nftRuleset()).contains("br0"))
                        let bridgeAfter = try #require(try daemon.namespace.link("br0"))
                        #expect(bridgeAfter["ifindex"] as? Int == bridgeBefore["ifindex"] as? Int)
                        #expect(bridgeAfter["ifalias"] == nil)

                        // kill -9 and a new daemon: the port is untouched (same device, same master).
                        daemon.stop(signal: SIGKILL)
                        try daemon.start()
                        let kept = try #require(try daemon.namespace.link(device))
                        #expect(kept["ifindex"] as? Int == link["ifindex"] as? Int)
                        #expect(kept["master"] as? String == "br0")
                        #expect(try guest.exec(["busybox", "ping", "-c", "1", "-W", "2", LAN.address]).succeeded)

                        // Stopped: off the host's bridge (which stays, with the NIC); started: back on.
                        try daemon.ok(["net-destroy", "br0-network"])
                        #expect(try daemon.namespace.link(device)?["master"] == nil)
                        #expect(try daemon.namespace.link("eth1")?["master"] as? String == "br0")
                        #expect(!(try guest.exec(["busybox", "ping", "-c", "1", "-W", "1", LAN.address]).succeeded))
                        try daemon.ok(["net-start", "br0-network"])
                        #expect(try daemon.namespace.link(device)?["master"] as? String == "br0")
                        #expect(try guest.exec(["busybox", "ping", "-c", "1", "-W", "2", LAN.address]).succeeded)
                        try daemon.ok(["net-port-delete", "br0-network", uuid])
                        try daemon.ok(["net-destroy", "br0-network"])
                        try daemon.ok(["net-undefine", "br0-network"])
                        #expect(try daemon.namespace.link("br0") != nil)
                        #expect(try daemon.namespace.link("eth1")?["master"] as? String == "br0")
                    }
                    _ = lan
                }
            }
        }

        /// A guest that bridges its port back onto the LAN closes a loop through the host's bridge:
        /// the guard cuts the guest's port, never the host's NIC (an uplink there).
        @Test func aLoopThroughTheLANIsCutAtTheGuestsPortNotTheNIC() async throws {
            try await DaemonHarness.with(arguments: ["--loop-probe-interval-ms", "200"]) { daemon in
                try await daemon.withLAN(nics: ["eth1"]) { lan in
                    let ns = daemon.namespace.name
                    try Command.check("ip", ["-n", ns, "link", "add", "br0", "type", "bridge", "stp_state", "0", "forward_delay", "0"])
                    try Command.check("ip", ["-n", ns, "link", "set", "eth1", "master", "br0"])
                    try Command.check("ip", ["-n", ns, "link", "set", "br0", "up"])
                    try daemon.ok(["net-define", try daemon.file("br0.xml", Self.hostBridge)])
                    try daemon.ok(["net-start", "br0-network"])
                    try await TestNamespace.with(prefix: "pbg") { guest in
                        for scope in ["all", "default"] {
                            try Command.check("ip", ["netns", "exec", guest.name, "sysctl", "-qw", "net.ipv6.conf.\(scope).disable_ipv6=1"])
                        }
                        let port = try Self.json(try daemon.ok(["net-port-create", "br0-network", "--owner", "looper", "--type", "veth",
                                                                "--netns", guest.name, "--mac", "52:54:00:13:00:21", "--json"]))
                        let device = try #require(port["device"] as? String)
                        // The guest's second leg goes straight to the LAN's switch; its own bridge
                        // joins the two: br0 -> guest -> LAN -> eth1 -> br0.
                        try Command.check("ip", ["-n", guest.name, "link", "add", "leg", "type", "veth", "peer", "name", "swg", "netns", lan.namespace.name])
                        try Command.check("ip", ["-n", lan.namespace.name, "link", "set", "swg", "master", "lanbr", "up"])
                        for command in [["link", "add", "gbr", "type", "bridge", "stp_state", "0"], ["link", "set", "eth0", "master", "gbr"],
                                        ["link", "set", "leg", "master", "gbr"], ["link", "set", "eth0", "up"], ["link", "set", "leg", "up"],
                                        ["link", "set", "gbr", "up"]] {
                            try Command.check("ip", ["-n", guest.name] + command)
                        }
                        let deadline = Date().addingTimeInterval(5)
                        while Date() < deadline, try daemon.namespace.bridgePortState(device) != "disabled" {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        #expect(try daemon.namespace.bridgePortState(device) == "disabled", "\(daemon.logs)")
                        #expect(try daemon.namespace.bridgePortState("eth1") == "forwarding")
                        #expect(daemon.logs.contains("loop detected"))
                    }
                }
            }
        }

        @Test func bridgeModeRefusesAMissingBridgeAndKeepsNothing() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("br0.xml", Self.hostBridge)])
                let start = try daemon.cli(["net-start", "br0-network"])
                #expect(start.status == 1)
                #expect(start.stderr.contains("the host bridge 'br0', which does not exist"), "\(start)")
                #expect(try daemon.network("br0-network")?["active"] as? Bool == false)
                #expect(try daemon.namespace.link("br0") == nil)
            }
        }

        /// This kernel has no bridge VLAN filtering: a host-bridge network with VLAN tags is refused
        /// at start, naming the kernel option, and nothing changes on the bridge.
        @Test func vlansOnAHostBridgeAreRefusedWithoutTheKernelOption() async throws {
            try await DaemonHarness.with { daemon in
                try Command.check("ip", ["-n", daemon.namespace.name, "link", "add", "br0", "type", "bridge"])
                let xml = "<network><name>tagged</name><forward mode='bridge'/><bridge name='br0'/><vlan><tag id='42'/></vlan></network>"
                try daemon.ok(["net-define", try daemon.file("tagged.xml", xml)])
                let start = try daemon.cli(["net-start", "tagged"])
                #expect(start.status == 1)
                #expect(start.stderr.contains("CONFIG_BRIDGE_VLAN_FILTERING is not set"), "\(start)")
                #expect(try daemon.network("tagged")?["active"] as? Bool == false)
                let bridge = try #require(try daemon.namespace.link("br0"))
                #expect((bridge["linkinfo"] as? [String: Any]).flatMap { $0["info_data"] as? [String: Any] }?["vlan_filtering"] as? Int == 0)
            }
        }

        /// Two guests on one NIC in each mode, and the LAN: bridge lets them talk; private never;
        /// VEPA only when the LAN's switch sends frames back out of the port they came in on.
        @Test func macvtapModesSeparateGuestsAsTheKernelDocumentsThem() async throws {
            try await DaemonHarness.with { daemon in
                try await daemon.withLAN(nics: ["nic1"]) { lan in
                    let a = (mac: "52:54:00:14:00:0a", ip: "192.0.2.11")
                    let b = (mac: "52:54:00:14:00:0b", ip: "192.0.2.12")
                    for mode in ["bridge", "private", "vepa"] {
                        try daemon.ok(["net-define", try daemon.file("\(mode).xml", Self.direct("mv-\(mode)", mode, ["nic1"]))])
                        try daemon.ok(["net-start", "mv-\(mode)"])
                        let first = try Self.json(try daemon.ok(["net-port-create", "mv-\(mode)", "--owner", "a", "--mac", a.mac, "--json"]))
                        let second = try Self.json(try daemon.ok(["net-port-create", "mv-\(mode)", "--owner", "b", "--mac", b.mac, "--json"]))
                        let deviceA = try #require(first["device"] as? String)
                        let deviceB = try #require(second["device"] as? String)
                        for device in [deviceA, deviceB] {
                            let link = try #require(try daemon.namespace.link(device))
                            let info = link["linkinfo"] as? [String: Any]
                            #expect(info?["info_kind"] as? String == "macvtap")
                            #expect((info?["info_data"] as? [String: Any])?["mode"] as? String == mode)
                            #expect(link["link"] as? String == "nic1")
                            #expect((link["flags"] as? [String])?.contains("UP") == true)
                        }
                        #expect(try daemon.namespace.link(deviceA)?["address"] as? String == a.mac)
                        let dump = try daemon.ok(["net-port-dumpxml", "mv-\(mode)", try #require(first["uuid"] as? String)])
                        #expect(dump.contains("<plug type='direct' dev='nic1' mode='\(mode)'/>"), "\(dump)")
                        let responder = try daemon.macvtapResponder(device: deviceB, mac: b.mac, ip: b.ip)
                        defer { responder.stop() }
                        try lan.setHairpin(false, nic: "nic1")
                        let toLAN = try daemon.macvtapPing(device: deviceA, mac: a.mac, ip: a.ip, target: LAN.address)
                        #expect(toLAN == 5, "mode \(mode): guest to LAN")
                        let neighbour = try daemon.macvtapPing(device: deviceA, mac: a.mac, ip: a.ip, target: b.ip)
                        try lan.setHairpin(true, nic: "nic1")
                        let reflected = try daemon.macvtapPing(device: deviceA, mac: a.mac, ip: a.ip, target: b.ip)
                        switch mode {
                        case "bridge":
                            #expect(neighbour == 5 && reflected == 5, "bridge: guests on one NIC talk directly")
                        case "private":
                            #expect(neighbour == 0 && reflected == 0, "private: never, not even reflected by the switch")
                        default:
                            #expect(neighbour == 0, "vepa: not without hairpin on the switch")
                            #expect(reflected == 5, "vepa: through the switch when it reflects")
                        }
                        responder.stop()
                        for port in [first, second] { try daemon.ok(["net-port-delete", "mv-\(mode)", try #require(port["uuid"] as? String)]) }
                        #expect(try daemon.namespace.link(deviceA) == nil)
                        try daemon.ok(["net-destroy", "mv-\(mode)"])
                        try daemon.ok(["net-undefine", "mv-\(mode)"])
                    }
                }
            }
        }

        /// The trap libvirt users fall into: the host cannot reach a macvtap guest through the NIC
        /// the guest sits on (the NIC sends to the wire, never to its own macvtaps).
        @Test func theHostCannotReachAMacvtapGuestThroughItsOwnNIC() async throws {
            try await DaemonHarness.with { daemon in
                try await daemon.withLAN(nics: ["nic1"]) { _ in
                    try Command.check("ip", ["-n", daemon.namespace.name, "addr", "add", "192.0.2.5/24", "dev", "nic1"])
                    try daemon.ok(["net-define", try daemon.file("mv.xml", Self.direct("mv", "bridge", ["nic1"]))])
                    try daemon.ok(["net-start", "mv"])
                    let port = try Self.json(try daemon.ok(["net-port-create", "mv", "--owner", "a", "--mac", "52:54:00:15:00:0a", "--json"]))
                    let device = try #require(port["device"] as? String)
                    let responder = try daemon.macvtapResponder(device: device, mac: "52:54:00:15:00:0a", ip: "192.0.2.11")
                    defer { responder.stop() }
                    // The LAN reaches the guest; the host, through nic1, does not.
                    #expect(try lanPing(daemon, "192.0.2.11"))
                    #expect(!(try daemon.namespace.exec(["busybox", "ping", "-c", "2", "-W", "1", "192.0.2.11"]).succeeded))
                }
            }
        }

        private func lanPing(_ daemon: DaemonHarness, _ target: String) throws -> Bool {
            // From the LAN namespace, which is the one holding lanbr.
            let lans = try Command.run("ip", ["netns", "list"]).stdout.split(whereSeparator: \.isNewline)
                .map { String($0.split(separator: " ")[0]) }.filter { $0.hasPrefix("pbl-") }
            for lan in lans where try Command.run("ip", ["-n", lan, "link", "show", "lanbr"]).succeeded {
                if try Command.run("ip", ["netns", "exec", lan, "busybox", "ping", "-c", "2", "-W", "2", target]).succeeded { return true }
            }
            return false
        }

        /// Passthrough gives one guest the whole NIC (its MAC too, given back afterwards); the pool's
        /// connection counts, kept with the ports, survive a kill -9 of the daemon.
        @Test func passthroughIsExclusiveAndPoolCountsSurviveARestart() async throws {
            try await DaemonHarness.with { daemon in
                try await daemon.withLAN(nics: ["nic1", "nic2", "nic3"]) { _ in
                    let original = try #require(try daemon.namespace.link("nic3")?["address"] as? String)
                    try daemon.ok(["net-define", try daemon.file("pt.xml", Self.direct("pt", "passthrough", ["nic3"]))])
                    try daemon.ok(["net-start", "pt"])
                    let whole = try Self.json(try daemon.ok(["net-port-create", "pt", "--owner", "a", "--mac", "52:54:00:16:00:0a", "--json"]))
                    #expect(try daemon.namespace.link("nic3")?["address"] as? String == "52:54:00:16:00:0a")
                    let second = try daemon.cli(["net-port-create", "pt", "--owner", "b"])
                    #expect(second.status == 1)
                    #expect(second.stderr.contains("requires exclusive access to interfaces, but none are available"), "\(second)")
                    let dump = try daemon.ok(["net-port-dumpxml", "pt", try #require(whole["uuid"] as? String)])
                    #expect(dump.contains("<plug type='direct' dev='nic3' mode='passthrough'/>"), "\(dump)")
                    try daemon.ok(["net-port-delete", "pt", try #require(whole["uuid"] as? String)])
                    #expect(try daemon.namespace.link("nic3")?["address"] as? String == original)
                    try daemon.ok(["net-destroy", "pt"])
                    try daemon.ok(["net-undefine", "pt"])

                    try daemon.ok(["net-define", try daemon.file("pool.xml", Self.direct("pool", "bridge", ["nic1", "nic2"]))])
                    try daemon.ok(["net-start", "pool"])
                    let one = try Self.json(try daemon.ok(["net-port-create", "pool", "--owner", "a", "--json"]))
                    #expect(one["lowerDevice"] as? String == "nic1")
                    let device = try #require(one["device"] as? String)
                    let index = try daemon.namespace.link(device)?["ifindex"] as? Int
                    daemon.stop(signal: SIGKILL)
                    try daemon.start()
                    #expect(try daemon.namespace.link(device)?["ifindex"] as? Int == index)
                    let two = try Self.json(try daemon.ok(["net-port-create", "pool", "--owner", "b", "--json"]))
                    #expect(two["lowerDevice"] as? String == "nic2")
                    let three = try Self.json(try daemon.ok(["net-port-create", "pool", "--owner", "c", "--json"]))
                    #expect(three["lowerDevice"] as? String == "nic1")
                    // A network restart brings the macvtaps back up, same devices.
                    try daemon.ok(["net-destroy", "pool"])
                    #expect((try daemon.namespace.link(device)?["flags"] as? [String])?.contains("UP") == false)
                    try daemon.ok(["net-start", "pool"])
                    #expect((try daemon.namespace.link(device)?["flags"] as? [String])?.contains("UP") == true)
                    #expect(try daemon.namespace.link(device)?["ifindex"] as? Int == index)

                    let missing = try daemon.cli(["net-define", try daemon.file("bad.xml", Self.direct("bad", "vepa", ["nic9"]))])
                    #expect(missing.status == 0)
                    let start = try daemon.cli(["net-start", "bad"])
                    #expect(start.status == 1)
                    #expect(start.stderr.contains("the NIC 'nic9' of its <forward> does not exist"), "\(start)")
                    #expect(try daemon.network("bad")?["active"] as? Bool == false)
                }
            }
        }
    }
}
