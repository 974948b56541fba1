/// `POST /v1/networks/{name}/bench`'s body: what to measure between which two ends. Checked in
/// one place (`validated()`), so the daemon, the CLI and the tests agree on every limit.
public struct BenchRequest: Sendable, Hashable, Codable {
    /// A port (UUID or device name) or an owner of the network; nil for a temporary namespace.
    public var from: String?
    /// A port, an owner, `upstream`, or nil for a temporary namespace.
    public var to: String?
    /// Seconds per measurement (single stream, several streams, round trips).
    public var duration: Int?
    /// Streams of the multi-stream test.
    public var streams: Int?
    /// Which sender and receiver measure throughput.
    public var tool: BenchTool?

    public static let defaultDuration = 5
    /// A bench runs three measurements of `duration` each; 60 s keeps the worst case at three
    /// minutes, under what any client waits for one answer.
    public static let durationRange = 1...60
    public static let defaultStreams = 4
    public static let streamsRange = 1...64
    /// The word `--to` takes for the network's way out.
    public static let upstream = "upstream"
    public static let maximumNameLength = 256

    public init(from: String? = nil, to: String? = nil, duration: Int? = nil, streams: Int? = nil, tool: BenchTool? = nil) {
        self.from = from
        self.to = to
        self.duration = duration
        self.streams = streams
        self.tool = tool
    }

    public var effectiveDuration: Int { duration ?? Self.defaultDuration }
    public var effectiveStreams: Int { streams ?? Self.defaultStreams }

    /// Refuses out-of-range numbers and unusable names by name, before anything is created.
    public func validated() throws(PatchbayError) -> BenchRequest {
        guard Self.durationRange.contains(effectiveDuration) else {
            throw PatchbayError(.invalidArgument, "duration must be from \(Self.durationRange.lowerBound) to \(Self.durationRange.upperBound) seconds, not \(effectiveDuration)")
        }
        guard Self.streamsRange.contains(effectiveStreams) else {
            throw PatchbayError(.invalidArgument, "streams must be from \(Self.streamsRange.lowerBound) to \(Self.streamsRange.upperBound), not \(effectiveStreams)")
        }
        for (label, value) in [("from", from), ("to", to)] {
            guard let value else { continue }
            guard !value.isEmpty, value.unicodeScalars.count <= Self.maximumNameLength,
                  value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw PatchbayError(.invalidArgument, "'\(label)' must be a port, an owner\(label == "to" ? " or 'upstream'" : ""): non-empty text of at most \(Self.maximumNameLength) characters without control characters")
            }
        }
        if from == Self.upstream {
            throw PatchbayError(.invalidArgument, "'upstream' can only be the receiving end (--to upstream)")
        }
        return self
    }
}

/// Who sends and receives the bulk transfers. Latency is always Patchbay's own ping-pong.
public enum BenchTool: String, Sendable, Hashable, Codable, CaseIterable {
    /// iperf3 when the daemon finds it on its PATH, else Patchbay's own.
    case auto
    case iperf3
    /// Patchbay's own TCP sender and receiver.
    case builtin
}

/// One end of a measurement: a network namespace (nil: the daemon's own) and the address the
/// other end reaches it at.
public struct BenchEndpoint: Sendable, Hashable, Codable {
    /// What the user sees: `temporary namespace pbbench-…`, `vm1 (vnet3)`, `gateway 10.0.0.1`.
    public var label: String
    /// A name under /run/netns; nil for the daemon's own namespace.
    public var namespace: String?
    public var address: IPAddress

    public init(label: String, namespace: String?, address: IPAddress) {
        self.label = label
        self.namespace = namespace
        self.address = address
    }
}

/// What the kernel side is asked to run: throughput one stream and `streams` streams, then
/// round trips, each for `duration` seconds, from `sender` to `receiver`.
public struct BenchPlan: Sendable, Hashable {
    public var sender: BenchEndpoint
    public var receiver: BenchEndpoint
    public var duration: Int
    public var streams: Int
    public var tool: BenchTool

    public init(sender: BenchEndpoint, receiver: BenchEndpoint, duration: Int, streams: Int, tool: BenchTool) {
        self.sender = sender
        self.receiver = receiver
        self.duration = duration
        self.streams = streams
        self.tool = tool
    }
}

/// One throughput measurement.
public struct BenchThroughput: Sendable, Hashable, Codable {
    public var streams: Int
    /// What the receiver got, in bits per second.
    public var bitsPerSecond: Double
    /// TCP retransmissions the sender saw (iperf3 only; nil where unknown).
    public var retransmits: Int?
    public var seconds: Double
    /// `iperf3` or `builtin`: who measured it.
    public var tool: String

    public init(streams: Int, bitsPerSecond: Double, retransmits: Int?, seconds: Double, tool: String) {
        self.streams = streams
        self.bitsPerSecond = bitsPerSecond
        self.retransmits = retransmits
        self.seconds = seconds
        self.tool = tool
    }
}

/// The request/response round trips (1-byte messages, one outstanding, TCP_NODELAY), TCP_RR's
/// measure, in microseconds.
public struct BenchLatency: Sendable, Hashable, Codable {
    public var roundTrips: Int
    public var minimumMicroseconds: Double
    public var medianMicroseconds: Double
    public var p99Microseconds: Double
    public var maximumMicroseconds: Double
    public var meanMicroseconds: Double

    public init(_ statistics: LatencyStatistics) {
        roundTrips = statistics.count
        minimumMicroseconds = statistics.minimum
        medianMicroseconds = statistics.median
        p99Microseconds = statistics.p99
        maximumMicroseconds = statistics.maximum
        meanMicroseconds = statistics.mean
    }
}

/// What the kernel side measured.
public struct BenchMeasurements: Sendable, Hashable, Codable {
    public var throughput: [BenchThroughput]
    public var latency: BenchLatency

    public init(throughput: [BenchThroughput], latency: BenchLatency) {
        self.throughput = throughput
        self.latency = latency
    }
}

/// `patchbay bench`'s answer.
public struct BenchReport: Sendable, Hashable, Codable {
    public var network: String
    public var from: BenchEndpoint
    public var to: BenchEndpoint
    /// A sentence saying what the figures are of (the path measured, and what was not).
    public var measured: String
    public var duration: Int
    public var throughput: [BenchThroughput]
    public var latency: BenchLatency
    /// The temporary namespaces made for the bench (all removed again before the answer).
    public var temporaryNamespaces: [String]

    public init(network: String, from: BenchEndpoint, to: BenchEndpoint, measured: String, duration: Int,
                measurements: BenchMeasurements, temporaryNamespaces: [String]) {
        self.network = network
        self.from = from
        self.to = to
        self.measured = measured
        self.duration = duration
        throughput = measurements.throughput
        latency = measurements.latency
        self.temporaryNamespaces = temporaryNamespaces
    }
}
