import Foundation

/// "The internet" for a test: a namespace of its own joined to the daemon's namespace by a veth
/// pair, the daemon's end 198.51.100.1/24 and its own 198.51.100.2/24 (TEST-NET-2, RFC 5737, so
/// nothing in a test can mean a real host), with a route back to the networks under test.
public struct Upstream: Sendable {
    public static let address = "198.51.100.2"
    public static let hostSide = "198.51.100.1"

    public let namespace: TestNamespace
    public let directory: String

    /// Starts dnsmasq as the upstream DNS server, answering `records` (name → IPv4 address) and
    /// refusing to recurse anywhere. Ends with the namespace.
    public func serveDNS(_ records: [String: String]) throws {
        var arguments = ["netns", "exec", namespace.name, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                         "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=\(Self.address)",
                         "--port=53", "--user=root", "--pid-file=\(directory)/upstream-dnsmasq.pid", "--log-queries",
                         "--log-facility=\(directory)/upstream-dnsmasq.log"]
        for (name, address) in records.sorted(by: { $0.key < $1.key }) { arguments.append("--host-record=\(name),\(address)") }
        _ = try ChildProcess("ip", arguments, outputPath: directory + "/upstream-dnsmasq.out")
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let probe = try namespace.exec(["dig", "+short", "+tries=1", "+time=1", "@\(Self.address)", records.keys.first ?? "x"])
            if probe.succeeded { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("the upstream dnsmasq did not answer within 10 s")
    }

    /// The log of the queries the upstream dnsmasq saw.
    public var dnsLog: String { (try? String(contentsOfFile: directory + "/upstream-dnsmasq.log", encoding: .utf8)) ?? "" }
}

extension DaemonHarness {
    /// An upstream namespace beside the daemon's for the length of `body`; `routes` are the
    /// subnets it reaches through the daemon's namespace.
    public func withUpstream<T>(routes: [String] = [], _ body: (Upstream) async throws -> T) async throws -> T {
        try await TestNamespace.with(prefix: "pbu") { upstream in
            let port = "u" + upstream.name.suffix(10)
            try Command.check("ip", ["-n", namespace.name, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                                     "netns", upstream.name])
            try Command.check("ip", ["-n", namespace.name, "addr", "add", "\(Upstream.hostSide)/24", "dev", port])
            try Command.check("ip", ["-n", namespace.name, "link", "set", port, "up"])
            try Command.check("ip", ["-n", upstream.name, "addr", "add", "\(Upstream.address)/24", "dev", "eth0"])
            try Command.check("ip", ["-n", upstream.name, "link", "set", "eth0", "up"])
            for route in routes {
                try Command.check("ip", ["-n", upstream.name, "route", "add", route, "via", Upstream.hostSide])
            }
            return try await body(Upstream(namespace: upstream, directory: directory))
        }
    }
}
