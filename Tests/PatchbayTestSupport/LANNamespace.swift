import Foundation

/// The physical LAN for bridge and macvtap tests: a namespace holding a switch (the bridge
/// `lanbr`, 192.0.2.1/24, TEST-NET-1 of RFC 5737), and one veth pair per "NIC" whose host end is
/// in the daemon's namespace under the NIC's name and whose other end is a port of the switch.
public struct LAN: Sendable {
    public static let address = "192.0.2.1"
    public let namespace: TestNamespace
    public let directory: String
    /// NIC name in the daemon's namespace → its switch port in the LAN namespace.
    public let switchPorts: [String: String]

    /// `bridge link set dev PORT hairpin on|off` on the switch port of `nic`: whether the switch
    /// sends a frame back out of the port it came in on (what VEPA needs to reach a neighbour).
    public func setHairpin(_ on: Bool, nic: String) throws {
        try Command.check("bridge", ["-n", namespace.name, "link", "set", "dev", switchPorts[nic] ?? nic, "hairpin", on ? "on" : "off"])
    }

    /// dnsmasq on the switch: DHCP from 192.0.2.100-150 (router and DNS 192.0.2.1), DNS answering
    /// `records`. Ends with the namespace. Its leases are in `dhcpLeases`.
    public func serveDHCPAndDNS(_ records: [String: String]) throws {
        var arguments = ["netns", "exec", namespace.name, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                         "--no-resolv", "--no-hosts", "--bind-interfaces", "--interface=lanbr", "--except-interface=lo",
                         "--dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h", "--dhcp-option=3,\(Self.address)",
                         "--dhcp-option=6,\(Self.address)", "--domain=lan.test", "--dhcp-leasefile=\(directory)/lan.leases",
                         "--user=root", "--pid-file=\(directory)/lan-dnsmasq.pid", "--log-dhcp",
                         "--log-facility=\(directory)/lan-dnsmasq.log"]
        for (name, address) in records.sorted(by: { $0.key < $1.key }) { arguments.append("--host-record=\(name),\(address)") }
        _ = try ChildProcess("ip", arguments, outputPath: directory + "/lan-dnsmasq.out")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let probe = try namespace.exec(["dig", "+short", "+tries=1", "+time=1", "@\(Self.address)", records.keys.first ?? "x"])
            if probe.succeeded && !probe.stdout.isEmpty { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("the LAN's dnsmasq did not answer within 10 s")
    }

    public var dhcpLeases: String { (try? String(contentsOfFile: directory + "/lan.leases", encoding: .utf8)) ?? "" }
    public var dnsmasqLog: String { (try? String(contentsOfFile: directory + "/lan-dnsmasq.log", encoding: .utf8)) ?? "" }
}

extension DaemonHarness {
    /// A LAN namespace beside the daemon's for the length of `body`, with one NIC per name in
    /// `nics` (up, without addresses, in the daemon's namespace).
    public func withLAN<T>(nics: [String], _ body: (LAN) async throws -> T) async throws -> T {
        try await TestNamespace.with(prefix: "pbl") { lan in
            try Command.check("ip", ["-n", lan.name, "link", "add", "lanbr", "type", "bridge", "stp_state", "0", "forward_delay", "0"])
            try Command.check("ip", ["-n", lan.name, "addr", "add", "\(LAN.address)/24", "dev", "lanbr"])
            try Command.check("ip", ["-n", lan.name, "link", "set", "lanbr", "up"])
            var ports: [String: String] = [:]
            for (number, nic) in nics.enumerated() {
                let port = "sw\(number)"
                try Command.check("ip", ["-n", namespace.name, "link", "add", nic, "type", "veth", "peer", "name", port, "netns", lan.name])
                try Command.check("ip", ["-n", lan.name, "link", "set", port, "master", "lanbr", "up"])
                try Command.check("ip", ["-n", namespace.name, "link", "set", nic, "up"])
                ports[nic] = port
            }
            return try await body(LAN(namespace: lan, directory: directory, switchPorts: ports))
        }
    }

    /// `scripts/macvtap-guest.py` on the macvtap `device` in the daemon's namespace, answering
    /// pings to `ip` with `mac` until stopped; returns once the device is open.
    public func macvtapResponder(device: String, mac: String, ip: String) throws -> ChildProcess {
        let output = directory + "/responder-\(device).out"
        let child = try ChildProcess("ip", ["netns", "exec", namespace.name, "python3", Self.macvtapGuestScript, device, mac, ip],
                                     outputPath: output)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("ready") { return child }
            if !child.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        child.stop()
        throw HarnessError("the macvtap responder on \(device) did not start: \((try? String(contentsOfFile: output, encoding: .utf8)) ?? "")")
    }

    /// Pings `target` `count` times from a macvtap guest on `device` and returns how many replies came.
    public func macvtapPing(device: String, mac: String, ip: String, target: String, count: Int = 5) throws -> Int {
        let result = try namespace.exec(["python3", Self.macvtapGuestScript, device, mac, ip, target, "\(count)"])
        guard let line = result.stdout.split(whereSeparator: \.isNewline).last(where: { $0.hasPrefix("replies ") }),
              let replies = Int(line.dropFirst(8)) else {
            throw HarnessError("macvtap-guest.py on \(device) said: \(result)")
        }
        return replies
    }

    static var macvtapGuestScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/macvtap-guest.py").path
    }
}
