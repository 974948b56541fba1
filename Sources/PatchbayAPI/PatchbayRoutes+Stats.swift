import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PatchbayEngine
import PatchbayModel
import ServiceLifecycle
import Synchronization

extension PatchbayRoutes {
    /// `patchbay top`'s counters: one sample (GET /v1/stats) or a sample per tick as server-sent
    /// events (/v1/stats/stream). Each sample is ONE link dump for every port, the leases of each
    /// network and the DHCP and DNS servers' totals, all cumulative: the client computes rates
    /// from consecutive samples, so the daemon holds nothing per reader.
    static func statsRoutes(_ engine: NetworkEngine, _ metrics: APIMetrics) -> [APIRoute] {
        [
            APIRoute(.get, "/v1/stats") { request, _ in
                let query = try StatsQuery(request, streaming: false)
                return try JSONBody.response(try await sample(engine, metrics, network: query.network))
            },
            APIRoute(.get, "/v1/stats/stream") { request, _ in
                let query = try StatsQuery(request, streaming: true)
                // An unknown network is refused with 404 before the stream begins.
                let first = try await sample(engine, metrics, network: query.network)
                return statsStream(engine, metrics, query, first: first)
            },
        ]
    }

    struct StatsQuery: Sendable {
        var network: String?
        var interval: Duration = .seconds(1)
        var count: Int?

        init(_ request: Request, streaming: Bool) throws {
            let parameters = request.uri.queryParameters
            func single(_ key: String) throws -> String? {
                let values = parameters.getAll(key)
                guard values.count <= 1 else { throw PatchbayError(.invalidArgument, "the query parameter '\(key)' is given \(values.count) times") }
                return values.first.map { $0.removingPercentEncoding ?? $0 }
            }
            network = try single("network")
            guard streaming else { return }
            if let text = try single("interval") {
                guard let seconds = Double(text), seconds >= 0.1, seconds <= 3600 else {
                    throw PatchbayError(.invalidArgument, "interval must be a number of seconds from 0.1 to 3600, not '\(text)'")
                }
                interval = .milliseconds(Int64((seconds * 1000).rounded()))
            }
            if let text = try single("count") {
                guard let count = Int(text), (1...1_000_000).contains(count) else {
                    throw PatchbayError(.invalidArgument, "count must be a whole number from 1 to 1000000, not '\(text)'")
                }
                self.count = count
            }
        }
    }

    /// Where the samples' monotonic clock starts: the daemon's first sample.
    private static let statsEpoch = ContinuousClock.now

    static func sample(_ engine: NetworkEngine, _ metrics: APIMetrics, network: String?) async throws(PatchbayError) -> StatsSnapshot {
        let elapsed = ContinuousClock.now - statsEpoch
        let monotonic = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return try await engine.statsSnapshot(network: network, services: metrics.serviceTotals(), monotonicMilliseconds: monotonic,
                                              time: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    static func statsStream(_ engine: NetworkEngine, _ metrics: APIMetrics, _ query: StatsQuery, first: StatsSnapshot) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            let stop = StreamStop()
            // As the event stream: a graceful shutdown waits for every answer, and this one
            // would never end by itself without a count.
            try await withGracefulShutdownHandler {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                var snapshot = first
                var left = query.count ?? .max
                // Ticks on a fixed schedule, so a slow sample does not shift the ones after it.
                var next = ContinuousClock.now
                while true {
                    try await writer.write(ByteBuffer(string: "event: stats\ndata: \(String(decoding: try encoder.encode(snapshot), as: UTF8.self))\n\n"))
                    left -= 1
                    guard left > 0 else { break }
                    next += query.interval
                    if next < ContinuousClock.now { next = ContinuousClock.now }
                    guard await stop.sleep(until: next) else { break }
                    do throws(PatchbayError) {
                        snapshot = try await sample(engine, metrics, network: query.network)
                    } catch {
                        // The network was undefined meanwhile, or the store failed: said as a
                        // message of its own and the stream ends, rather than a cut connection.
                        let text = String(decoding: try encoder.encode(ErrorResponse(error: error)), as: UTF8.self)
                        try await writer.write(ByteBuffer(string: "event: error\ndata: \(text)\n\n"))
                        break
                    }
                }
            } onGracefulShutdown: {
                stop.stop()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// A sleep that a graceful shutdown cuts short.
final class StreamStop: Sendable {
    private let stopped = Mutex(false)
    private let wake: AsyncStream<Void>
    private let waker: AsyncStream<Void>.Continuation

    init() {
        (wake, waker) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func stop() {
        stopped.withLock { $0 = true }
        waker.finish()
    }

    /// Waits until `deadline`: true when it came, false when stopped (or cancelled) first.
    func sleep(until deadline: ContinuousClock.Instant) async -> Bool {
        let waker = self.waker
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            waker.yield()
        }
        defer { timer.cancel() }
        var iterator = wake.makeAsyncIterator()
        while !Task.isCancelled {
            if stopped.withLock({ $0 }) { return false }
            if ContinuousClock.now >= deadline { return true }
            // A wake-up left by an earlier sleep's timer only makes the loop look again.
            guard await iterator.next() != nil else { return false }
        }
        return false
    }
}
