/// One metric family in Prometheus's text exposition format (version 0.0.4): a name, its help
/// text, its type, and its samples. Histograms carry their `_bucket`, `_sum` and `_count` samples
/// themselves, by suffix.
public struct MetricFamily: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case counter, gauge, histogram
    }

    public struct Sample: Sendable, Hashable {
        /// Appended to the family's name (`_bucket`, `_sum`, `_count` for histograms; empty otherwise).
        public var suffix: String
        public var labels: [(String, String)]
        public var value: Double

        public init(suffix: String = "", labels: [(String, String)] = [], value: Double) {
            self.suffix = suffix
            self.labels = labels
            self.value = value
        }

        public static func == (a: Sample, b: Sample) -> Bool {
            a.suffix == b.suffix && a.value == b.value && a.labels.map(\.0) == b.labels.map(\.0) && a.labels.map(\.1) == b.labels.map(\.1)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(suffix)
            hasher.combine(value)
            for (k, v) in labels { hasher.combine(k); hasher.combine(v) }
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]

    public init(name: String, help: String, kind: Kind, samples: [Sample]) {
        self.name = name
        self.help = help
        self.kind = kind
        self.samples = samples
    }
}

/// Prometheus's text format (prometheus.io "Exposition formats"): `# HELP`, `# TYPE`, then one
/// line per sample, label values escaped (backslash, double quote, newline), help text escaped
/// (backslash, newline). Families without samples are left out.
public enum PrometheusExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ families: [MetricFamily]) -> String {
        var out = ""
        for family in families where !family.samples.isEmpty {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for sample in family.samples {
                out += family.name + sample.suffix
                if !sample.labels.isEmpty {
                    out += "{" + sample.labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
                }
                out += " " + number(sample.value) + "\n"
            }
        }
        return out
    }

    static func escapeHelp(_ text: String) -> String { escape(text, quotes: false) }

    static func escapeLabel(_ text: String) -> String { escape(text, quotes: true) }

    /// Backslash and newline always; double quotes inside label values.
    static func escape(_ text: String, quotes: Bool) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quotes: out += "\\\""
            default: out.append(c)
            }
        }
        return out
    }

    /// Whole numbers without a fraction (counters of bytes stay exact up to 2^53), `+Inf` as
    /// the format spells it.
    static func number(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 9.007_199_254_740_992e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Upper bounds of a latency histogram, in seconds: 100 µs to 10 s.
    public static let latencyBuckets: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
}

/// A latency histogram kept in memory, cumulative as Prometheus wants it when rendered.
public struct LatencyHistogram: Sendable, Hashable {
    public private(set) var counts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0
    public let bounds: [Double]

    public init(bounds: [Double] = PrometheusExposition.latencyBuckets) {
        self.bounds = bounds
        counts = [UInt64](repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ seconds: Double) {
        if let at = bounds.firstIndex(where: { seconds <= $0 }) { counts[at] += 1 }
        sum += seconds
        count += 1
    }

    public func samples(labels: [(String, String)]) -> [MetricFamily.Sample] {
        var running: UInt64 = 0
        var out: [MetricFamily.Sample] = []
        for (bound, n) in zip(bounds, counts) {
            running += n
            out.append(.init(suffix: "_bucket", labels: labels + [("le", PrometheusExposition.number(bound))], value: Double(running)))
        }
        out.append(.init(suffix: "_bucket", labels: labels + [("le", "+Inf")], value: Double(count)))
        out.append(.init(suffix: "_sum", labels: labels, value: sum))
        out.append(.init(suffix: "_count", labels: labels, value: Double(count)))
        return out
    }
}
