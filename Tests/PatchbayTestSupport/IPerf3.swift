import Foundation

/// iperf3 between two test namespaces, as the bandwidth tests measure: the server in the
/// sender's namespace bound to its address, the client in the receiver's with `-R` (so the
/// receiving side measures), half-second intervals after an omitted first second, their median
/// as the statistic.
public enum IPerf3 {
    public struct Measurement: CustomStringConvertible {
        public var samples: [Double]

        public init(samples: [Double]) { self.samples = samples }
        public var median: Double {
            let s = samples.sorted()
            guard !s.isEmpty else { return 0 }
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        public func isWithin(_ fraction: Double, of target: Double) -> Bool { abs(median - target) <= fraction * target }
        public var description: String {
            String(format: "median %.1f Mbit/s (range %.1f–%.1f, %d samples)", median, samples.min() ?? 0, samples.max() ?? 0, samples.count)
        }
    }

    /// An iperf3 transfer: the server in `sender`'s namespace (bound to its address), the client
    /// in `receiver`'s with -R, so the receiver measures.
    public struct Transfer {
        var server: ChildProcess
        var client: ChildProcess
        var output: String
        var seconds: Int

        public func finish() async throws -> [Double] {
            let deadline = Date().addingTimeInterval(Double(seconds) + 20)
            while client.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            client.stop()
            server.stop()
            defer { try? FileManager.default.removeItem(atPath: output) }
            let data = try Data(contentsOf: URL(fileURLWithPath: output))
            guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw HarnessError("iperf3 wrote no JSON") }
            if let error = json["error"] as? String { throw HarnessError("iperf3: \(error)") }
            let intervals = (json["intervals"] as? [[String: Any]]) ?? []
            return intervals.compactMap { interval -> Double? in
                guard let sum = interval["sum"] as? [String: Any], sum["omitted"] as? Bool != true,
                      let bps = (sum["bits_per_second"] as? NSNumber)?.doubleValue,
                      let length = (sum["seconds"] as? NSNumber)?.doubleValue, length > 0.2 else { return nil }
                return bps / 1_000_000
            }
        }
    }

    public static func startTransfer(receiver: TestNamespace, sender: TestNamespace, senderAddress: String, seconds: Int,
                                     port: Int = 5201) async throws -> Transfer {
        let server = try ChildProcess("ip", ["netns", "exec", sender.name, "iperf3", "-s", "-1", "-B", senderAddress, "-p", String(port)])
        let listening = Date().addingTimeInterval(10)
        while Date() < listening {
            let sockets = try sender.exec(["ss", "-Htln", "sport", "= :\(port)"])
            if sockets.stdout.contains(":\(port)") { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-iperf-\(UUID().uuidString).json").path
        let client = try ChildProcess("ip", ["netns", "exec", receiver.name, "iperf3", "-c", senderAddress, "-p", String(port), "-R",
                                             "-J", "-t", String(seconds), "-O", "1", "-i", "0.5"], outputPath: output, errorPath: output + ".err")
        return Transfer(server: server, client: client, output: output, seconds: seconds)
    }

    public static func measure(receiver: TestNamespace, sender: TestNamespace, senderAddress: String, seconds: Int = 5) async throws -> Measurement {
        Measurement(samples: try await startTransfer(receiver: receiver, sender: sender, senderAddress: senderAddress, seconds: seconds).finish())
    }

}
