import DNSWire
import PatchbayModel
import Synchronization

/// Queries by type and by what became of them, per network, for `/metrics`. The manager keeps one
/// counter set per network (a server's restart does not reset it); each query costs one
/// uncontended lock and two array increments.
public final class DNSStatistics: Sendable {
    /// What became of a query.
    enum Result: Int, CaseIterable {
        /// Answered from the network's own names (or the kept copy of such an answer).
        case local
        /// Answered from the forwarding cache.
        case cached
        /// Sent upstream.
        case forwarded
        /// Refused by the zone's rules (a client not on the network) or dropped.
        case refused
        /// Unreadable: FORMERR, or nothing.
        case malformed
        /// Forwarded, and no upstream answered: SERVFAIL. Counted apart from the results above
        /// (the query was already counted as forwarded), as `patchbay_dns_forward_failures_total`.
        case failed

        var name: String { String(describing: self) }
    }

    static let types: [(DNSType, String)] = [(.a, "A"), (.aaaa, "AAAA"), (.ptr, "PTR"), (.srv, "SRV"), (.mx, "MX"), (.txt, "TXT"),
                                             (.cname, "CNAME"), (.ns, "NS"), (.soa, "SOA"), (.any, "ANY")]

    final class Counters: Sendable {
        /// `[type index * results + result]`, the last type index being "other".
        let counts = Mutex([UInt64](repeating: 0, count: (DNSStatistics.types.count + 1) * Result.allCases.count))

        func record(_ type: DNSType?, _ result: Result) {
            let typeIndex = type.flatMap { t in DNSStatistics.types.firstIndex { $0.0 == t } } ?? DNSStatistics.types.count
            counts.withLock { $0[typeIndex * Result.allCases.count + result.rawValue] += 1 }
        }
    }

    private let networks = Mutex<[String: Counters]>([:])

    public init() {}

    func counters(for network: String) -> Counters {
        networks.withLock { all in
            if let existing = all[network] { return existing }
            let fresh = Counters()
            all[network] = fresh
            return fresh
        }
    }

    public func families() -> [MetricFamily] {
        let all = networks.withLock { $0 }.sorted { $0.key < $1.key }
        let names = Self.types.map(\.1) + ["other"]
        var queries: [MetricFamily.Sample] = []
        var failures: [MetricFamily.Sample] = []
        var hits: [MetricFamily.Sample] = []
        for (network, counters) in all {
            let counts = counters.counts.withLock { $0 }
            var cached: UInt64 = 0
            for (typeIndex, type) in names.enumerated() {
                for result in Result.allCases {
                    let value = counts[typeIndex * Result.allCases.count + result.rawValue]
                    if result == .cached { cached += value }
                    guard value > 0 else { continue }
                    if result == .failed {
                        failures.append(.init(labels: [("network", network), ("type", type)], value: Double(value)))
                    } else {
                        queries.append(.init(labels: [("network", network), ("type", type), ("result", result.name)], value: Double(value)))
                    }
                }
            }
            hits.append(.init(labels: [("network", network)], value: Double(cached)))
        }
        return [
            MetricFamily(name: "patchbay_dns_queries_total",
                         help: "DNS queries, by type and by what became of them (local, cached, forwarded, refused, malformed).",
                         kind: .counter, samples: queries),
            MetricFamily(name: "patchbay_dns_forward_failures_total", help: "Forwarded DNS queries no upstream answered (SERVFAIL), by type.",
                         kind: .counter, samples: failures),
            MetricFamily(name: "patchbay_dns_cache_hits_total", help: "DNS queries answered from the forwarding cache.", kind: .counter,
                         samples: hits),
        ]
    }
}
