import Foundation
import Glibc

/// A host NIC for `iface-bridge` tests: `eno1` in the host namespace is one end of a veth pair
/// whose other end (`lan0`) is in a LAN namespace, with 192.0.2.10/24 and 2001:db8::10/64 on the
/// NIC, 192.0.2.1 and 2001:db8::1 (the default gateways) on the LAN's end, and a static route
/// 198.51.100.0/24 metric 50 through the gateway.
public enum HostNICLAN {
    public static let nicAddress = "192.0.2.10"

    public static func with<T>(host: TestNamespace, _ body: (TestNamespace) async throws -> T) async throws -> T {
        try await TestNamespace.with(prefix: "pbl") { lan in
            try Command.check("ip", ["-n", host.name, "link", "add", "eno1", "type", "veth", "peer", "name", "lan0", "netns", lan.name])
            for (ns, device, v4, v6) in [(host, "eno1", "\(nicAddress)/24", "2001:db8::10/64"), (lan, "lan0", "192.0.2.1/24", "2001:db8::1/64")] {
                try Command.check("ip", ["-n", ns.name, "link", "set", device, "up"])
                try Command.check("ip", ["-n", ns.name, "addr", "add", v4, "dev", device])
                try Command.check("ip", ["-n", ns.name, "addr", "add", v6, "dev", device, "nodad"])
            }
            try Command.check("ip", ["-n", host.name, "route", "add", "default", "via", "192.0.2.1", "dev", "eno1"])
            try Command.check("ip", ["-n", host.name, "-6", "route", "add", "default", "via", "2001:db8::1", "dev", "eno1"])
            try Command.check("ip", ["-n", host.name, "route", "add", "198.51.100.0/24", "via", "192.0.2.1", "dev", "eno1",
                                     "metric", "50", "proto", "static"])
            return try await body(lan)
        }
    }

    /// Runs `during` while `ping -i 0.01` goes from `lan` to `address`, and returns (sent,
    /// received). The change starts only once 20 replies arrived, and the ping runs on for its
    /// full count afterwards, so every packet around the change is counted.
    public static func pingLoss(from lan: TestNamespace, to address: String = nicAddress, count: Int = 200,
                                during: () async throws -> Void) async throws -> (sent: Int, received: Int) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pbifb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/ping.out"
        let ping = try ChildProcess("ip", ["netns", "exec", lan.name, "ping", "-n", "-i", "0.01", "-W", "1", "-c", "\(count)", address],
                                    outputPath: output)
        defer { ping.stop() }
        func text() -> String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }
        let deadline = Date().addingTimeInterval(10)
        while text().components(separatedBy: "bytes from").count - 1 < 20 {
            guard Date() < deadline, ping.isRunning else { throw HarnessError("ping never got 20 replies: \(text())") }
            usleep(2_000)
        }
        try await during()
        guard ping.wait(seconds: 30) != nil else { throw HarnessError("ping did not end") }
        guard let line = text().split(separator: "\n").first(where: { $0.contains("packets transmitted") }) else {
            throw HarnessError("no ping summary in: \(text())")
        }
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        return (numbers[0], numbers[1])
    }
}
