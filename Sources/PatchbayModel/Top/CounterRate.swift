/// Rates from two samples of cumulative counters. Counters only grow while the thing counting
/// lives; when one goes back, either a 32-bit counter wrapped (some drivers still count in 32
/// bits under the 64-bit fields) or its owner started again (a device remade, a daemon
/// restarted). A wrap has a true difference; a restart has none this tick, and showing nothing
/// for one tick is better than showing a rate of petabytes.
public enum CounterRate {
    /// How much the counter grew from `old` to `new`; nil when it started again.
    public static func delta(from old: UInt64, to new: UInt64) -> UInt64? {
        if new >= old { return new - old }
        // A wrap: the old value was in the upper half of the 32-bit range, the new one is small.
        // Anything else that goes back is a counter that started again.
        let wrap = UInt64(UInt32.max) + 1
        if old < wrap, old >= wrap / 2, new < wrap / 2 { return wrap - old + new }
        return nil
    }

    /// Growth per second over `seconds`; nil without an earlier sample, when no time passed, or
    /// when the counter started again.
    public static func perSecond(from old: UInt64?, to new: UInt64?, seconds: Double) -> Double? {
        guard let old, let new, seconds > 0, let grown = delta(from: old, to: new) else { return nil }
        return Double(grown) / seconds
    }
}
