/// Round-trip times summarised as a latency benchmark reports them: nearest-rank percentiles
/// (the value at or below which the given share of samples lies, always a measured sample), so
/// p99 of few samples is their maximum, never an interpolation that no round trip took.
public struct LatencyStatistics: Sendable, Hashable {
    public var count: Int
    /// In microseconds, like every figure below.
    public var minimum: Double
    public var median: Double
    public var p99: Double
    public var maximum: Double
    public var mean: Double

    /// `nanoseconds`: one sample per round trip, in any order. Empty gives all zeros.
    public init(nanoseconds samples: [UInt64]) {
        count = samples.count
        guard !samples.isEmpty else {
            minimum = 0; median = 0; p99 = 0; maximum = 0; mean = 0
            return
        }
        let sorted = samples.sorted()
        func micro(_ value: UInt64) -> Double { Double(value) / 1_000 }
        minimum = micro(sorted[0])
        maximum = micro(sorted[sorted.count - 1])
        median = micro(Self.nearestRank(sorted, percent: 50))
        p99 = micro(Self.nearestRank(sorted, percent: 99))
        mean = sorted.reduce(0.0) { $0 + Double($1) } / Double(sorted.count) / 1_000
    }

    /// The sample of rank ⌈percent/100 × n⌉ (1-based) of `sorted`.
    static func nearestRank(_ sorted: [UInt64], percent: Int) -> UInt64 {
        let rank = (percent * sorted.count + 99) / 100
        return sorted[max(rank, 1) - 1]
    }
}
