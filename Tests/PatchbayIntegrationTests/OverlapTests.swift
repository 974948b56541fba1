import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// Hundreds of overlapping requests from several clients at once against a real daemon, then
    /// the store, the kernel (`ip -j`, `nft -j`, `ss`) and the running services must agree: no
    /// bridge, rule or server without an active network, none missing for one, never two DHCP
    /// servers on one bridge, and no update that was answered 200 lost.
    @Suite("Overlapping requests (root, namespaces)")
    struct OverlapTests {
        static func xml(_ n: Int) -> String {
            """
            <network>
              <name>ov\(n)</name>
              <forward mode='nat'/>
              <bridge name='pbov\(n)' stp='off'/>
              <ip address='10.7\(n).0.1' netmask='255.255.255.0'>
                <dhcp><range start='10.7\(n).0.100' end='10.7\(n).0.200'/></dhcp>
              </ip>
            </network>
            """
        }

        /// `storm.py SOCKET REQUESTS THREADS NETWORKS...`: random requests over the unix socket,
        /// THREADS at a time; prints JSON: the host MACs whose `--config` update got 200, per
        /// network, and the count of answers per status.
        static let storm = #"""
            import http.client, json, random, socket, sys, threading
            path, total, threads, networks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
            class Unix(http.client.HTTPConnection):
                def connect(self):
                    self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self.sock.connect(path)
            lock = threading.Lock()
            added = {n: [] for n in networks}
            statuses = {}
            counter = iter(range(total))
            def call(method, url, body=None):
                c = Unix("patchbayd", timeout=60)
                c.request(method, url, body=json.dumps(body) if body is not None else None,
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
                c.close()
                return r.status, data
            def worker():
                while True:
                    with lock:
                        n = next(counter, None)
                    if n is None: return
                    net = random.choice(networks)
                    subnet = net[2:]
                    op = random.choice(["start", "destroy", "update", "update", "autostart", "port", "unport", "forward", "list"])
                    if op == "start": status, _ = call("POST", "/v1/networks/%s/start" % net)
                    elif op == "destroy": status, _ = call("POST", "/v1/networks/%s/destroy" % net)
                    elif op == "autostart": status, _ = call("PUT", "/v1/networks/%s/autostart" % net, {"autostart": n % 2 == 0})
                    elif op == "list": status, _ = call("GET", "/v1/networks")
                    elif op == "update":
                        mac = "52:54:00:7%s:%02x:%02x" % (subnet, n // 256, n % 256)
                        host = "<host mac='%s' ip='10.7%s.0.%d'/>" % (mac, subnet, 2 + n % 90)
                        status, _ = call("POST", "/v1/networks/%s/update" % net,
                                         {"command": "add", "section": "ip-dhcp-host", "xml": host, "scope": "config"})
                        if status == 200:
                            with lock: added[net].append(mac)
                    elif op == "port": status, _ = call("POST", "/v1/networks/%s/ports" % net, {"ownerName": "vm%d" % n, "type": "tap"})
                    elif op == "unport":
                        status, data = call("GET", "/v1/networks/%s/ports" % net)
                        ports = json.loads(data) if status == 200 else []
                        if ports: status, _ = call("DELETE", "/v1/networks/%s/ports/%s" % (net, ports[0]["uuid"]))
                    else:
                        status, _ = call("POST", "/v1/networks/%s/port-forwards" % net,
                                         {"network": net, "transport": "tcp", "hostPortStart": 2000 + n, "hostPortEnd": 2000 + n,
                                          "guestAddress": "10.7%s.0.50" % subnet})
                    with lock: statuses[status] = statuses.get(status, 0) + 1
            pool = [threading.Thread(target=worker) for _ in range(threads)]
            for t in pool: t.start()
            for t in pool: t.join()
            print(json.dumps({"added": added, "statuses": {str(k): v for k, v in statuses.items()}}))
            """#

        @Test func hundredsOfRequestsFromSeveralClientsLeaveEverythingInAgreement() async throws {
            try await DaemonHarness.with { daemon in
                let networks = [1, 2, 3]
                for n in networks { try daemon.ok(["net-define", try daemon.file("ov\(n).xml", Self.xml(n))]) }
                let script = try daemon.file("storm.py", Self.storm)
                let run = try daemon.namespace.exec(["python3", script, daemon.socketPath, "400", "8"] + networks.map { "ov\($0)" })
                #expect(run.succeeded, "\(run)")
                let result = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
                let statuses = try #require(result["statuses"] as? [String: Int])
                #expect(statuses.keys.allSatisfy { ["200", "201", "204", "400", "404", "409"].contains($0) }, "\(statuses)\n\(daemon.logs.suffix(4000))")
                let added = try #require(result["added"] as? [String: [String]])

                let bridges = try daemon.namespace.ipJSON(["-d", "link", "show", "type", "bridge"])
                let sockets67 = try daemon.namespace.exec(["ss", "-H", "-uan", "sport = :67"]).stdout
                let sockets53 = try daemon.namespace.exec(["ss", "-H", "-ltn", "sport = :53"]).stdout
                let ruleset = try daemon.namespace.exec(["nft", "-j", "list", "ruleset"]).stdout
                for n in networks {
                    let name = "ov\(n)", bridge = "pbov\(n)"
                    let summary = try #require(try daemon.network(name))
                    let active = summary["active"] as? Bool == true
                    let link = bridges.first { $0["ifname"] as? String == bridge }
                    let dhcpServers = sockets67.split(separator: "\n").filter { $0.contains("%\(bridge):67") }.count
                    let dnsServers = sockets53.split(separator: "\n").filter { $0.contains("10.7\(n).0.1:53") }.count
                    if active {
                        #expect(link?["ifalias"] as? String == "patchbay:network:\(summary["uuid"] as? String ?? "")", "\(name)")
                        #expect(dhcpServers == 1, "\(name) has \(dhcpServers) DHCP servers:\n\(sockets67)")
                        #expect(dnsServers == 1, "\(name) has \(dnsServers) DNS servers:\n\(sockets53)")
                        #expect(ruleset.contains("out_\(bridge)"), "\(name) runs without its rules")
                    } else {
                        #expect(link == nil, "inactive \(name) left its bridge")
                        #expect(dhcpServers == 0 && dnsServers == 0, "inactive \(name) kept its servers")
                        #expect(!ruleset.contains("out_\(bridge)"), "inactive \(name) kept its rules")
                    }
                    let xml = try daemon.ok(["net-dumpxml", "--inactive", name])
                    for mac in added[name] ?? [] { #expect(xml.contains(mac), "the update adding \(mac) to \(name) was lost") }
                    // Every port has its device, tagged, on the bridge while the network runs.
                    let ports = try JSONSerialization.jsonObject(with: Data(try daemon.ok(["net-port-list", name, "--json"]).utf8)) as? [[String: Any]] ?? []
                    for port in ports {
                        let device = try #require(port["device"] as? String)
                        let info = try #require(try daemon.namespace.link(device), "port device \(device) is gone")
                        #expect(info["ifalias"] as? String == "patchbay:port:\(port["uuid"] as? String ?? "")")
                        if active { #expect(info["master"] as? String == bridge) }
                    }
                }
                let leftovers = try daemon.namespace.ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String }.filter { $0.hasPrefix("pbtmp") }
                #expect(leftovers.isEmpty, "temporary devices left: \(leftovers)")
                #expect(!daemon.logs.contains("conflict"), "a write found a record changed under it:\n\(daemon.logs.suffix(4000))")
            }
        }
    }
}
