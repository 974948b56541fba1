import Foundation
import HTTPTypes
import Hummingbird
import PatchbayEngine
import PatchbayModel
import Synchronization

/// The API's own latency, by method and status, for `/metrics`.
public final class APIMetrics: Sendable {
    struct Key: Hashable { var method: String; var code: Int }
    private let histograms = Mutex<[Key: LatencyHistogram]>([:])
    /// What the daemon's other parts count (DHCP, DNS, the loop guard), read at each scrape.
    private let sources = Mutex<[@Sendable () -> [MetricFamily]]>([])

    public init() {}

    public func add(source: @escaping @Sendable () -> [MetricFamily]) { sources.withLock { $0.append(source) } }

    func observe(method: String, code: Int, seconds: Double) {
        histograms.withLock { $0[Key(method: method, code: code), default: LatencyHistogram()].observe(seconds) }
    }

    var family: MetricFamily {
        let all = histograms.withLock { $0 }
        let samples = all.keys.sorted { ($0.method, $0.code) < ($1.method, $1.code) }.flatMap { key in
            all[key]!.samples(labels: [("method", key.method), ("code", String(key.code))])
        }
        return MetricFamily(name: "patchbay_api_request_duration_seconds", help: "Time patchbayd took to answer API requests.",
                            kind: .histogram, samples: samples)
    }

    /// Each network's DHCP requests and DNS queries, summed over the servers' own families: `top`
    /// reads the very counters `/metrics` shows, so the two never disagree, and the API needs to
    /// know neither server.
    public func serviceTotals() -> [String: ServiceTotals] {
        var totals: [String: ServiceTotals] = [:]
        for family in sources.withLock({ $0 }).flatMap({ $0() }) {
            let dhcp = family.name == "patchbay_dhcp_requests_total"
            guard dhcp || family.name == "patchbay_dns_queries_total" else { continue }
            for sample in family.samples {
                guard let network = sample.labels.first(where: { $0.0 == "network" })?.1, sample.value >= 0 else { continue }
                let value = UInt64(sample.value)
                if dhcp { totals[network, default: ServiceTotals()].dhcpRequests += value } else {
                    totals[network, default: ServiceTotals()].dnsQueries += value
                }
            }
        }
        return totals
    }

    /// Everything `/metrics` serves: the networks' and ports' (read now), the other parts', then
    /// the API's own.
    public func exposition(engine: NetworkEngine) async -> String {
        PrometheusExposition.render(await engine.metricFamilies() + sources.withLock { $0 }.flatMap { $0() } + [family])
    }

    public func response(engine: NetworkEngine) async -> Response {
        let text = await exposition(engine: engine)
        return Response(status: .ok, headers: [.contentType: PrometheusExposition.contentType],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Times every request; errors count under the status they are answered with.
struct APIMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let began = ContinuousClock.now
        func seconds() -> Double {
            let d = ContinuousClock.now - began
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        do {
            let response = try await next(request, context)
            metrics.observe(method: request.method.rawValue, code: response.status.code, seconds: seconds())
            return response
        } catch let error as any HTTPResponseError {
            metrics.observe(method: request.method.rawValue, code: error.status.code, seconds: seconds())
            throw error
        } catch {
            metrics.observe(method: request.method.rawValue, code: 500, seconds: seconds())
            throw error
        }
    }
}
