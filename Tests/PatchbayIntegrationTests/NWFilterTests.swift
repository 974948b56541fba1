import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// libvirt's network filters on Patchbay's nftables tables, with real and crafted packets
    /// between guest namespaces: a filtered guest sends forged frames (scapy), a plain guest on
    /// the same bridge sniffs, and a marker sent last says when everything sent before it has
    /// arrived — or not.
    @Suite("Network filters (root, namespaces, scapy)")
    struct NWFilterTests {
        static let network = """
            <network>
              <name>lab</name>
              <bridge name='pbnwf0' stp='off'/>
              <ip address='10.77.0.1' netmask='255.255.255.0'>
                <dhcp><range start='10.77.0.100' end='10.77.0.150'/></dhcp>
              </ip>
            </network>
            """
        static let filteredMAC = "52:54:00:77:00:0a"
        static let observerMAC = "52:54:00:77:00:0b"
        static let observerIP = "10.77.0.20"

        /// `sniff.py IFACE SENDER_MAC`: prints "ready", then every UDP payload to port 9999, every
        /// ARP reply claiming 10.77.0.1 and every DHCP server packet from SENDER_MAC it sees,
        /// until the payload "marker" arrives.
        static let sniff = #"""
            import sys
            from scapy.all import ARP, UDP, Raw, AsyncSniffer, conf
            conf.verb = 0
            seen = []
            def keep(p):
                if p.haslayer(UDP) and p[UDP].dport == 9999 and p.haslayer(Raw) and p[Raw].load != b"marker":
                    seen.append(p[Raw].load.decode(errors="replace"))
                elif p.haslayer(ARP) and p[ARP].op == 2 and p[ARP].psrc == "10.77.0.1":
                    seen.append("arp-" + p[ARP].hwsrc)
                elif p.haslayer(UDP) and p[UDP].sport == 67 and p.src == sys.argv[2]:
                    seen.append("dhcp-server")
            def done(p): return p.haslayer(Raw) and p.haslayer(UDP) and p[Raw].load == b"marker"
            s = AsyncSniffer(iface=sys.argv[1], prn=keep, stop_filter=done, store=False)
            s.start()
            import time
            while not getattr(s, "running", False): time.sleep(0.01)
            print("ready", flush=True)
            s.join(timeout=20)
            if s.running: s.stop()
            print("seen " + ",".join(seen), flush=True)
            """#

        /// `send.py IFACE MAC IP DST_MAC DST_IP`: the forgeries (another MAC, another IP, an ARP
        /// reply for the gateway, a DHCP server's answer), an honest frame, and the marker.
        static let send = #"""
            import sys
            from scapy.all import ARP, Ether, IP, UDP, Raw, sendp, conf
            conf.verb = 0
            iface, mac, ip, dmac, dip = sys.argv[1:6]
            def udp(src_mac, src_ip, text):
                return Ether(src=src_mac, dst=dmac) / IP(src=src_ip, dst=dip) / UDP(sport=4000, dport=9999) / Raw(text.encode())
            frames = [udp("52:54:00:99:99:99", ip, "spoof-mac"), udp(mac, "10.77.0.99", "spoof-ip"),
                      Ether(src=mac, dst=dmac) / ARP(op=2, hwsrc=mac, psrc="10.77.0.1", hwdst=dmac, pdst=dip),
                      Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(src=ip, dst="255.255.255.255") / UDP(sport=67, dport=68) / Raw(b"offer"),
                      udp(mac, ip, "honest"), udp(mac, ip, "marker")]
            for f in frames: sendp(f, iface=iface)
            print("sent")
            """#

        struct Guests {
            let filtered: TestNamespace
            let observer: TestNamespace
            let filteredIP: String
        }

        /// What the observer saw of the filtered guest's forgeries.
        static func forgeries(_ guests: Guests, daemon: DaemonHarness) async throws -> [String] {
            let sniffer = try daemon.file("sniff.py", sniff)
            let sender = try daemon.file("send.py", send)
            let output = daemon.directory + "/sniff-\(UUID().uuidString.prefix(6)).out"
            let child = try ChildProcess("ip", ["netns", "exec", guests.observer.name, "python3", sniffer, "eth0", filteredMAC], outputPath: output)
            defer { child.stop(grace: 1) }
            try await waitFor("the sniffer to start", timeout: 20) { ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("ready") }
            let sent = try guests.filtered.exec(["python3", sender, "eth0", filteredMAC, guests.filteredIP, observerMAC, observerIP])
            #expect(sent.succeeded, "\(sent)")
            try await waitFor("the marker", timeout: 20) { ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("seen ") }
            let text = try String(contentsOfFile: output, encoding: .utf8)
            let line = text.split(separator: "\n").first { $0.hasPrefix("seen ") } ?? ""
            return line.dropFirst(5).split(separator: ",").map(String.init)
        }

        /// Polls without holding a thread of the concurrency pool.
        static func waitFor(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) async throws {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if try condition() { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw HarnessError("timed out waiting for \(what)")
        }

        /// A guest namespace on the network through a veth port made by the daemon.
        static func guest(_ daemon: DaemonHarness, _ namespace: TestNamespace, owner: String, mac: String, extra: [String] = [])
            throws -> [String: Any] {
            let text = try daemon.ok(["net-port-create", "lab", "--owner", owner, "--type", "veth", "--netns", namespace.name,
                                      "--mac", mac, "--json"] + extra)
            try Command.check("ip", ["-n", namespace.name, "link", "set", "eth0", "up"])
            return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        static func leaseAddress(_ guest: TestNamespace, daemon: DaemonHarness) throws -> String {
            let result = try guest.exec(["udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1",
                                         "-s", try DHCPClientTests.udhcpcScript(in: daemon.directory)])
            #expect(result.succeeded, "\(result)")
            let address = try #require(try guest.addresses("eth0").first { $0.hasPrefix("10.77.0.") })
            return String(address.split(separator: "/")[0])
        }

        static func bindings(_ daemon: DaemonHarness) throws -> [[String: Any]] {
            try #require(try JSONSerialization.jsonObject(with: Data(try daemon.ok(["nwfilter-binding-list", "--json"]).utf8)) as? [[String: Any]])
        }

        /// clean-traffic: the guest gets its lease while only DHCP may pass, then its address is
        /// the one it may use; forged MAC, IP and ARP and a rogue DHCP server's answer never
        /// reach the other guest (the last by Patchbay's DHCP server guard), an honest
        /// frame does, the host and the other guest answer pings, and all of it holds after a
        /// kill -9 and restart that rewrites nothing in the kernel.
        @Test func cleanTrafficStopsSpoofingAndKeepsTheGuestWorking() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbf") { filtered in
                    try await TestNamespace.with(prefix: "pbo") { observer in
                        let port = try Self.guest(daemon, filtered, owner: "vm1", mac: Self.filteredMAC, extra: ["--filter", "clean-traffic"])
                        let device = try #require(port["device"] as? String)
                        _ = try Self.guest(daemon, observer, owner: "vm2", mac: Self.observerMAC)
                        try Command.check("ip", ["-n", observer.name, "addr", "add", "\(Self.observerIP)/24", "dev", "eth0"])
                        // Before its lease, the guest is learning: DHCP only.
                        #expect(try Self.bindings(daemon).first?["state"] as? String == "learning")
                        let address = try Self.leaseAddress(filtered, daemon: daemon)
                        try await Self.waitFor("the full filter", timeout: 10) {
                            try Self.bindings(daemon).first?["state"] as? String == "active"
                        }
                        let nft = try daemon.namespace.exec(["nft", "-j", "list", "chain", "bridge", "patchbay_nwfilter", "o-\(device)-ipv4-ip"])
                        #expect(nft.stdout.contains(address), "\(nft.stdout)")
                        let guests = Guests(filtered: filtered, observer: observer, filteredIP: address)
                        #expect(try await Self.forgeries(guests, daemon: daemon) == ["honest"])
                        #expect(try filtered.exec(["busybox", "ping", "-c", "2", "-W", "2", "10.77.0.1"]).succeeded)
                        #expect(try filtered.exec(["busybox", "ping", "-c", "2", "-W", "2", Self.observerIP]).succeeded)
                        let stats = try daemon.ok(["nwfilter-binding-stats", device, "--json"])
                        #expect(stats.contains("no-mac-spoofing"))

                        // kill -9 and restart: the tables are never taken down, nothing is rewritten.
                        let before = try daemon.namespace.exec(["nft", "-a", "list", "table", "bridge", "patchbay_nwfilter"]).stdout
                        daemon.stop(signal: SIGKILL)
                        #expect(try await Self.forgeries(guests, daemon: daemon) == ["honest"])
                        try daemon.start()
                        let after = try daemon.namespace.exec(["nft", "-a", "list", "table", "bridge", "patchbay_nwfilter"]).stdout
                        #expect(Self.withoutCounters(after) == Self.withoutCounters(before))
                        #expect(try Self.bindings(daemon).first?["state"] as? String == "active")
                        #expect(try await Self.forgeries(guests, daemon: daemon) == ["honest"])
                    }
                }
            }
        }

        static func ports(_ daemon: DaemonHarness) throws -> [Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(try daemon.ok(["net-port-list", "lab", "--json"]).utf8)) as? [Any])
        }

        static func withoutCounters(_ listing: String) -> String {
            listing.replacingOccurrences(of: #"counter packets [0-9]+ bytes [0-9]+"#, with: "counter", options: .regularExpression)
        }

        /// no-mac-spoofing alone: the forged MAC is stopped, the forged IP and ARP are not.
        @Test func noMACSpoofingAloneLetsIPSpoofingThrough() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbf") { filtered in
                    try await TestNamespace.with(prefix: "pbo") { observer in
                        _ = try Self.guest(daemon, filtered, owner: "vm1", mac: Self.filteredMAC, extra: ["--filter", "no-mac-spoofing"])
                        _ = try Self.guest(daemon, observer, owner: "vm2", mac: Self.observerMAC)
                        try Command.check("ip", ["-n", observer.name, "addr", "add", "\(Self.observerIP)/24", "dev", "eth0"])
                        try Command.check("ip", ["-n", filtered.name, "addr", "add", "10.77.0.30/24", "dev", "eth0"])
                        #expect(try Self.bindings(daemon).first?["state"] as? String == "active")
                        let seen = try await Self.forgeries(Guests(filtered: filtered, observer: observer, filteredIP: "10.77.0.30"), daemon: daemon)
                        #expect(seen == ["spoof-ip", "arp-\(Self.filteredMAC)", "honest"])
                    }
                }
            }
        }

        /// A stateful rule: the guest may open connections, replies come back, and nothing new
        /// gets in — conntrack through br_netfilter, with the port found by its mark.
        @Test func statefulRulesPassRepliesAndDropNewInbound() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try daemon.ok(["nwfilter-define", try daemon.file("outbound-only.xml", """
                    <filter name='outbound-only' chain='root'>
                      <rule action='accept' direction='out'><all/></rule>
                      <rule action='drop' direction='in'><all/></rule>
                    </filter>
                    """)])
                try await TestNamespace.with(prefix: "pbf") { filtered in
                    try await TestNamespace.with(prefix: "pbo") { observer in
                        _ = try Self.guest(daemon, filtered, owner: "vm1", mac: Self.filteredMAC,
                                           extra: ["--filter", "outbound-only", "--param", "IP=10.77.0.30"])
                        _ = try Self.guest(daemon, observer, owner: "vm2", mac: Self.observerMAC)
                        try Command.check("ip", ["-n", observer.name, "addr", "add", "\(Self.observerIP)/24", "dev", "eth0"])
                        try Command.check("ip", ["-n", filtered.name, "addr", "add", "10.77.0.30/24", "dev", "eth0"])
                        // Out: bridged to the other guest and to the host; the replies come back.
                        #expect(try filtered.exec(["busybox", "ping", "-c", "2", "-W", "2", Self.observerIP]).succeeded)
                        #expect(try filtered.exec(["busybox", "ping", "-c", "2", "-W", "2", "10.77.0.1"]).succeeded)
                        // In: new connections from the other guest and from the host are dropped.
                        #expect(!(try observer.exec(["busybox", "ping", "-c", "2", "-W", "1", "10.77.0.30"]).succeeded))
                        #expect(!(try daemon.namespace.exec(["busybox", "ping", "-c", "2", "-W", "1", "10.77.0.30"]).succeeded))
                        let listing = try daemon.namespace.exec(["nft", "list", "table", "inet", "patchbay_nwfilter"]).stdout
                        #expect(listing.contains("ct state established"), "\(listing)")
                    }
                }
            }
        }

        /// Bad input is refused with the reason, and nothing is stored or left behind.
        @Test func badFiltersAndBindingsChangeNothing() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                let unknown = try daemon.cli(["net-port-create", "lab", "--owner", "vm1", "--filter", "no-such-filter"])
                #expect(unknown.status == 1)
                #expect(unknown.stderr.contains("'no-such-filter'"), "\(unknown.stderr)")
                #expect(try Self.ports(daemon).isEmpty)
                try daemon.ok(["nwfilter-define", try daemon.file("a.xml", "<filter name='loop-a'><filterref filter='loop-b'/></filter>")])
                let loop = try daemon.cli(["nwfilter-define", try daemon.file("b.xml", "<filter name='loop-b'><filterref filter='loop-a'/></filter>")])
                #expect(loop.status == 1)
                #expect(loop.stderr.contains("loop-b → loop-a → loop-b"), "\(loop.stderr)")
                try daemon.ok(["nwfilter-define", try daemon.file("v.xml",
                    "<filter name='needs-port'><rule action='accept' direction='in'><tcp dstportstart='$PORT'/></rule></filter>")])
                let missing = try daemon.cli(["net-port-create", "lab", "--owner", "vm1", "--filter", "needs-port"])
                #expect(missing.status == 1)
                #expect(missing.stderr.contains("variable 'PORT'"), "\(missing.stderr)")
                let bad = try daemon.cli(["nwfilter-define", try daemon.file("bad.xml",
                    "<filter name='bad'><rule action='accept' direction='in'><tcp dscp='64'/></rule></filter>")])
                #expect(bad.status == 1)
                #expect(bad.stderr.contains("dscp"), "\(bad.stderr)")
                #expect(try daemon.cli(["nwfilter-undefine", "clean-traffic"]).status == 1)
                let list = try daemon.ok(["nwfilter-list"])
                #expect(list.contains("clean-traffic") && list.contains("loop-a") && !list.contains("loop-b") && !list.contains(" bad"))
                #expect(try Self.ports(daemon).isEmpty)
                #expect(try Self.bindings(daemon).isEmpty)
                #expect(try daemon.ok(["nwfilter-dumpxml", "allow-arp"]).contains("<filter name='allow-arp' chain='arp' priority='-500'>"))
            }
        }

        /// CTRL_LOG=drops with an NFLOG group: the forged frame no-mac-spoofing drops reaches a
        /// listener on that group (tcpdump on nflog:7 in the daemon's namespace).
        @Test func droppedPacketsReachTheirLogGroup() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", Self.network)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbf") { filtered in
                    try await TestNamespace.with(prefix: "pbo") { observer in
                        _ = try Self.guest(daemon, filtered, owner: "vm1", mac: Self.filteredMAC,
                                           extra: ["--filter", "no-mac-spoofing", "--param", "CTRL_LOG=drops", "--param", "CTRL_LOG_GROUP=7"])
                        _ = try Self.guest(daemon, observer, owner: "vm2", mac: Self.observerMAC)
                        try Command.check("ip", ["-n", observer.name, "addr", "add", "\(Self.observerIP)/24", "dev", "eth0"])
                        try Command.check("ip", ["-n", filtered.name, "addr", "add", "10.77.0.30/24", "dev", "eth0"])
                        let listing = try daemon.namespace.exec(["nft", "list", "table", "bridge", "patchbay_nwfilter"]).stdout
                        #expect(listing.contains("log prefix \"patchbay "), "\(listing)")
                        let capture = daemon.directory + "/nflog.pcap", errors = daemon.directory + "/tcpdump.err"
                        let tcpdump = try ChildProcess("ip", ["netns", "exec", daemon.namespace.name, "tcpdump", "-i", "nflog:7", "-c", "1",
                                                              "-w", capture], errorPath: errors)
                        defer { tcpdump.stop(grace: 1) }
                        try await Self.waitFor("tcpdump to listen", timeout: 20) {
                            ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").contains("listening on")
                        }
                        let seen = try await Self.forgeries(Guests(filtered: filtered, observer: observer, filteredIP: "10.77.0.30"), daemon: daemon)
                        #expect(!seen.contains("spoof-mac"))
                        try await Self.waitFor("the logged packet", timeout: 20) { !tcpdump.isRunning }
                        // A record of group 7 (tcpdump cannot decode the bridge family's NFLOG
                        // records further).
                        let read = try Command.run("tcpdump", ["-r", capture, "-n"])
                        #expect(read.stdout.contains("resource ID 7"), "\(read)")
                    }
                }
            }
        }

        /// "Block guest-to-guest traffic on a network": `<port isolated='yes'/>` isolates the
        /// bridge ports, and the forward path drops what a guest routes to another through the
        /// gateway, which isolation alone lets through (the same route on a network without
        /// isolation reaches the other guest: the control).
        /// CTRL_IP_LEARNING=any, libvirt's default, on a network where Patchbay serves no DHCP:
        /// the guest's first ARP says its address, which becomes `$IP` (also after a restart);
        /// from then on the guest cannot use another.
        @Test func anAddressIsLearntFromTheGuestsTraffic() async throws {
            try await DaemonHarness.with { daemon in
                try daemon.ok(["net-define", try daemon.file("lab.xml", """
                    <network><name>lab</name><bridge name='pbnwl0' stp='off'/><ip address='10.83.0.1' netmask='255.255.255.0'/></network>
                    """)])
                try daemon.ok(["net-start", "lab"])
                try await TestNamespace.with(prefix: "pbl") { guest in
                    _ = try Self.guest(daemon, guest, owner: "vm1", mac: "52:54:00:83:00:30", extra: ["--filter", "clean-traffic"])
                    #expect(try Self.bindings(daemon).first?["state"] as? String == "learning")
                    try Command.check("ip", ["-n", guest.name, "addr", "add", "10.83.0.30/24", "dev", "eth0"])
                    #expect(try guest.exec(["busybox", "ping", "-c", "1", "-W", "2", "10.83.0.1"]).succeeded)
                    try await Self.waitFor("the address to be learnt", timeout: 10) {
                        try Self.bindings(daemon).first?["state"] as? String == "active"
                    }
                    let table = try daemon.namespace.exec(["nft", "list", "table", "bridge", "patchbay_nwfilter"]).stdout
                    #expect(table.contains("10.83.0.30"), "\(table)")
                    #expect(try guest.exec(["busybox", "ping", "-c", "1", "-W", "2", "10.83.0.1"]).succeeded)
                    // Another address of its own is spoofing now.
                    try Command.check("ip", ["-n", guest.name, "addr", "add", "10.83.0.31/24", "dev", "eth0"])
                    #expect(!(try guest.exec(["busybox", "ping", "-c", "1", "-W", "1", "-I", "10.83.0.31", "10.83.0.1"]).succeeded))
                    daemon.stop(signal: SIGKILL)
                    try daemon.start()
                    #expect(try Self.bindings(daemon).first?["state"] as? String == "active")
                }
            }
        }

        @Test func isolatedGuestsCannotMeetThroughTheHost() async throws {
            try await DaemonHarness.with { daemon in
                for (name, bridge, subnet, isolated) in [("lab", "pbiso0", "10.78.0", true), ("lab2", "pbiso1", "10.79.0", false)] {
                    try daemon.ok(["net-define", try daemon.file("\(name).xml", """
                        <network>
                          <name>\(name)</name>
                          <forward mode='nat'/>
                          <bridge name='\(bridge)' stp='off'/>
                          \(isolated ? "<port isolated='yes'/>" : "")
                          <ip address='\(subnet).1' netmask='255.255.255.0'/>
                        </network>
                        """)])
                    try daemon.ok(["net-start", name])
                }
                for (network, subnet, blocked) in [("lab", "78", true), ("lab2", "79", false)] {
                    try await TestNamespace.with(prefix: "pbi") { a in
                        try await TestNamespace.with(prefix: "pbj") { b in
                            for (guest, address, mac) in [(a, "10.\(subnet).0.30", "52:54:00:\(subnet):00:30"), (b, "10.\(subnet).0.20", "52:54:00:\(subnet):00:20")] {
                                _ = try daemon.ok(["net-port-create", network, "--owner", guest.name, "--type", "veth", "--netns", guest.name,
                                                   "--mac", mac])
                                try Command.check("ip", ["-n", guest.name, "link", "set", "eth0", "up"])
                                try Command.check("ip", ["-n", guest.name, "addr", "add", "\(address)/24", "dev", "eth0"])
                            }
                            let gateway = "10.\(subnet).0.1"
                            #expect(try a.exec(["busybox", "ping", "-c", "1", "-W", "2", gateway]).succeeded)
                            // Through the gateway: a host route overrides the on-link one.
                            try Command.check("ip", ["-n", a.name, "route", "add", "10.\(subnet).0.20/32", "via", gateway])
                            try Command.check("ip", ["-n", b.name, "route", "add", "10.\(subnet).0.30/32", "via", gateway])
                            let routed = try a.exec(["busybox", "ping", "-c", "2", "-W", "1", "10.\(subnet).0.20"])
                            #expect(routed.succeeded == !blocked, "\(network): \(routed)")
                        }
                    }
                }
                let rules = try daemon.namespace.exec(["nft", "list", "table", "inet", "patchbay"]).stdout
                #expect(rules.contains("oifname \"pbiso0\" ether daddr") && !rules.contains("oifname \"pbiso1\" ether daddr"), "\(rules)")
            }
        }
    }
}
