import DHCPWire
import PatchbayModel
import Synchronization

/// What the DHCP servers did, per network, for `/metrics`: requests by message type, replies by
/// type, lease changes by kind, requests refused or dropped by reason, and the time from a
/// request's arrival to its reply (a granted lease's commit included). Kept by the manager, so a
/// network's counters outlive its server's restarts, as Prometheus counters should.
public final class DHCPStatistics: Sendable {
    struct Counters: Sendable {
        var requests: [String: UInt64] = [:]
        var replies: [String: UInt64] = [:]
        var changes: [String: UInt64] = [:]
        var refused: [String: UInt64] = [:]
        var latency = LatencyHistogram()
    }

    private let networks = Mutex<[String: Counters]>([:])

    public init() {}

    func request(_ network: String, _ type: DHCPMessageType?) {
        networks.withLock { $0[network, default: Counters()].requests[Self.name(type), default: 0] += 1 }
    }

    func replied(_ network: String, _ type: DHCPMessageType?, seconds: Double?) {
        networks.withLock { all in
            all[network, default: Counters()].replies[Self.name(type), default: 0] += 1
            if type == .nak { all[network, default: Counters()].refused["nak", default: 0] += 1 }
            if let seconds { all[network, default: Counters()].latency.observe(seconds) }
        }
    }

    /// `reason`: no-address (a DISCOVER no address could be offered for), forged (chaddr not the
    /// frame's source, or a relay not configured), limit (the per-port share is used up).
    func refused(_ network: String, _ reason: String) {
        networks.withLock { $0[network, default: Counters()].refused[reason, default: 0] += 1 }
    }

    func committed(_ network: String, _ changes: [DHCPLeaseChange]) {
        guard !changes.isEmpty else { return }
        networks.withLock { all in
            for change in changes { all[network, default: Counters()].changes[Self.name(change), default: 0] += 1 }
        }
    }

    public func families() -> [MetricFamily] {
        let all = networks.withLock { $0 }.sorted { $0.key < $1.key }
        func counter(_ name: String, _ help: String, _ label: String, _ values: (Counters) -> [String: UInt64]) -> MetricFamily {
            MetricFamily(name: name, help: help, kind: .counter, samples: all.flatMap { network, counters in
                values(counters).sorted { $0.key < $1.key }.map { .init(labels: [("network", network), (label, $0.key)], value: Double($0.value)) }
            })
        }
        return [
            counter("patchbay_dhcp_requests_total", "DHCP requests received, by message type.", "type", \.requests),
            counter("patchbay_dhcp_replies_total", "DHCP replies sent, by message type.", "type", \.replies),
            counter("patchbay_dhcp_lease_changes_total", "Leases granted, renewed, released, declined and expired.", "change", \.changes),
            counter("patchbay_dhcp_refused_total", "DHCP requests refused (NAK, no address to offer, per-port limit) or dropped as forged.",
                    "reason", \.refused),
            MetricFamily(name: "patchbay_dhcp_reply_duration_seconds", help: "Time from a DHCP request's arrival to its reply, a lease's commit included.",
                         kind: .histogram, samples: all.flatMap { $0.value.latency.samples(labels: [("network", $0.key)]) }),
        ]
    }

    static func name(_ type: DHCPMessageType?) -> String {
        guard let type else { return "none" }
        return String(type.description.dropFirst(4)).lowercased()
    }

    static func name(_ change: DHCPLeaseChange) -> String {
        switch change {
        case .granted: "granted"
        case .renewed: "renewed"
        case .released: "released"
        case .declined: "declined"
        case .expired: "expired"
        }
    }
}
