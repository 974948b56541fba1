import Foundation
import Hummingbird
import HummingbirdTesting
import PatchbayAPI
import PatchbayEngine
import PatchbayModel
import Testing

/// `top`'s routes through the real router: one sample, a stream of `count` samples as
/// server-sent events, the DHCP and DNS totals taken from the servers' metric families, and the
/// refusals of bad queries and unknown networks.
@Suite struct StatsRouteTests {
    static func app(_ engine: NetworkEngine, _ metrics: APIMetrics) -> some ApplicationProtocol {
        Application(router: PatchbayRoutes.router(engine: engine, metrics: metrics))
    }

    static func metrics() -> APIMetrics {
        let metrics = APIMetrics()
        metrics.add(source: {
            [MetricFamily(name: "patchbay_dhcp_requests_total", help: "", kind: .counter, samples: [
                .init(labels: [("network", "lab"), ("type", "discover")], value: 2),
                .init(labels: [("network", "lab"), ("type", "request")], value: 3),
            ]),
             MetricFamily(name: "patchbay_dns_queries_total", help: "", kind: .counter, samples: [
                .init(labels: [("network", "lab"), ("type", "A"), ("result", "local")], value: 7),
             ]),
             MetricFamily(name: "patchbay_dhcp_replies_total", help: "", kind: .counter, samples: [.init(labels: [("network", "lab")], value: 100)])]
        })
        return metrics
    }

    @Test func theServersTotalsBySummingTheirFamilies() {
        #expect(Self.metrics().serviceTotals() == ["lab": ServiceTotals(dhcpRequests: 5, dnsQueries: 7)])
    }

    @Test func oneSampleAndAStreamOfThem() async throws {
        let engine = OpenAPIDocumentTests.engine()
        _ = try await engine.define(xml: "<network><name>lab</name><bridge name='pbsr0'/></network>")
        try await Self.app(engine, Self.metrics()).test(.router) { client in
            try await client.execute(uri: "/v1/stats?network=lab", method: .get) { response in
                #expect(response.status == .ok)
                let sample = try JSONDecoder().decode(StatsSnapshot.self, from: Data(response.body.readableBytesView))
                #expect(sample.networks == [NetworkStats(name: "lab", active: false, dhcpRequests: 5, dnsQueries: 7)])
            }
            try await client.execute(uri: "/v1/stats/stream?interval=0.1&count=3", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                let text = String(buffer: response.body)
                let messages = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(messages.count == 3, "\(text)")
                var times: [Int64] = []
                for message in messages {
                    #expect(message.hasPrefix("event: stats\ndata: "))
                    let sample = try JSONDecoder().decode(StatsSnapshot.self, from: Data(message.dropFirst("event: stats\ndata: ".count).utf8))
                    times.append(sample.monotonicMilliseconds)
                }
                // Three samples taken one after another on the daemon's monotonic clock. (How far
                // apart is the scheduler's business under load, where a late tick catches up in
                // the same millisecond: not asserted.)
                #expect(zip(times, times.dropFirst()).allSatisfy { $1 >= $0 }, "\(times)")
            }
        }
    }

    @Test(arguments: [
        ("/v1/stats?network=nosuch", 404), ("/v1/stats/stream?network=nosuch", 404),
        ("/v1/stats/stream?interval=0", 400), ("/v1/stats/stream?interval=3601", 400), ("/v1/stats/stream?interval=x", 400),
        ("/v1/stats/stream?count=0", 400), ("/v1/stats/stream?count=1.5", 400), ("/v1/stats?network=a&network=b", 400),
    ])
    func badQueriesAreRefusedByName(_ uri: String, _ status: Int) async throws {
        try await Self.app(OpenAPIDocumentTests.engine(), APIMetrics()).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(Int(response.status.code) == status, "\(uri)")
                let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(response.body.readableBytesView))
                #expect(!error.error.message.isEmpty)
            }
        }
    }
}
