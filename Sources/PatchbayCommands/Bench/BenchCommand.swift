import ArgumentParser
import PatchbayClient
import PatchbayModel

/// `patchbay bench NET [--from X] [--to Y]`: the daemon measures (it owns the ports and may
/// enter the namespaces); this command only asks and prints.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure TCP throughput (one and several streams) and round-trip latency across a network.",
        discussion: """
            Without --from and --to, two temporary namespaces are made, each with a veth port on the \
            network and an address from its subnet outside the DHCP ranges, and removed again however \
            the bench ends. --from/--to name a port (UUID or device) or owner whose port is a veth into \
            a namespace; QEMU guests cannot be entered. --to upstream measures to the network's \
            gateway (the host's end of the bridge) and says so. Throughput uses iperf3 where the \
            daemon has it, else Patchbay's own sender and receiver; latency is Patchbay's own TCP \
            ping-pong (1-byte messages, one outstanding). The bench takes three times --duration.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Option(help: ArgumentHelp("The sending end: a port (UUID or device) or owner with a namespace port.", valueName: "owner|port"))
    var from: String?
    @Option(help: ArgumentHelp("The receiving end: a port, an owner, or 'upstream'.", valueName: "owner|port|upstream"))
    var to: String?
    @Option(help: ArgumentHelp("Seconds per measurement (\(BenchRequest.durationRange.lowerBound)-\(BenchRequest.durationRange.upperBound), default \(BenchRequest.defaultDuration)).", valueName: "seconds"))
    var duration: Int?
    @Option(help: ArgumentHelp("Streams of the multi-stream test (default \(BenchRequest.defaultStreams)).", valueName: "n"))
    var streams: Int?
    @Option(help: ArgumentHelp("auto (iperf3 if installed), iperf3 or builtin.", valueName: "tool"))
    var tool: String?
    @Flag(help: "Print JSON: the whole report.") var json = false

    func run() async throws {
        var chosenTool: BenchTool?
        if let tool {
            guard let parsed = BenchTool(rawValue: tool) else {
                throw ValidationError("--tool must be one of \(BenchTool.allCases.map(\.rawValue).joined(separator: ", ")), not '\(tool)'")
            }
            chosenTool = parsed
        }
        let request: BenchRequest
        do { request = try BenchRequest(from: from, to: to, duration: duration, streams: streams, tool: chosenTool).validated() } catch {
            throw ValidationError(error.message)
        }
        let report = try await connection.client.bench(network, request)
        if json {
            print(try JSONOutput.render(report))
            return
        }
        print(virshField("Network:", report.network))
        print(virshField("From:", "\(report.from.label), \(report.from.address)"))
        print(virshField("To:", "\(report.to.label), \(report.to.address)"))
        print(virshField("Measured:", report.measured))
        print("")
        var table = VirshTable("Test", "Result", "Detail")
        for result in report.throughput {
            table.append("throughput, \(result.streams) stream\(result.streams == 1 ? "" : "s")", Self.rate(result.bitsPerSecond),
                         "\(result.tool), \(Self.decimal(result.seconds)) s" + (result.retransmits.map { ", \($0) retransmits" } ?? ""))
        }
        let latency = report.latency
        table.append("latency (TCP round trip)", "median \(Self.decimal(latency.medianMicroseconds)) µs",
                     "p99 \(Self.decimal(latency.p99Microseconds)) µs, min \(Self.decimal(latency.minimumMicroseconds)) µs, max \(Self.decimal(latency.maximumMicroseconds)) µs, \(latency.roundTrips) round trips")
        print(table.render(), terminator: "")
    }

    /// Bits per second in the largest unit that keeps a leading digit (Gbit/s, Mbit/s, …).
    static func rate(_ bitsPerSecond: Double) -> String {
        for (unit, scale) in [("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)] where bitsPerSecond >= scale {
            return "\(decimal(bitsPerSecond / scale)) \(unit)"
        }
        return "\(decimal(bitsPerSecond)) bit/s"
    }

    /// One decimal, without Foundation's formatters (the CLI links FoundationEssentials only).
    static func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
