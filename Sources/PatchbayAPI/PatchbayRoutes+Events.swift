import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PatchbayEngine
import PatchbayModel
import ServiceLifecycle

extension PatchbayRoutes {
    /// The event stream: the held events as JSON, or (`/stream`) server-sent events, one JSON
    /// event per message with its id, so that a client that reconnects with `Last-Event-ID` (or
    /// `since`) misses nothing the daemon still holds.
    static func eventRoutes(_ engine: NetworkEngine) -> [APIRoute] {
        [
            APIRoute(.get, "/v1/events") { request, _ in
                let query = try EventQuery(request)
                let (missed, events, cursor) = engine.events.events(after: query.since ?? 0, matching: query.filter, limit: query.limit ?? .max)
                return try JSONBody.response(EventList(events: events, missed: missed, cursor: cursor))
            },
            APIRoute(.get, "/v1/events/stream") { request, _ in
                eventStream(engine.events, try EventQuery(request))
            },
        ]
    }

    struct EventQuery: Sendable {
        var since: UInt64?
        var filter: EventFilter
        var limit: Int?
        var timeout: Double?

        init(_ request: Request) throws {
            let parameters = request.uri.queryParameters
            func single(_ key: String) throws -> String? {
                let values = parameters.getAll(key)
                guard values.count <= 1 else { throw PatchbayError(.invalidArgument, "the query parameter '\(key)' is given \(values.count) times") }
                return values.first.map { $0.removingPercentEncoding ?? $0 }
            }
            // Last-Event-ID is what an EventSource sends when it reconnects (the SSE standard).
            if let text = try request.headers[HTTPField.Name("Last-Event-ID")!] ?? single("since") {
                guard let since = UInt64(text), since <= UInt64(Int64.max) else {
                    throw PatchbayError(.invalidArgument, "the event cursor must be an event id (a whole number up to 2^63-1), not '\(text)'")
                }
                self.since = since
            }
            filter = try EventFilter(network: try single("network"), typeWords: parameters.getAll("type").map { $0.removingPercentEncoding ?? $0 })
            if let text = try single("limit") {
                guard let limit = Int(text), (1...1_000_000).contains(limit) else {
                    throw PatchbayError(.invalidArgument, "limit must be a whole number from 1 to 1000000, not '\(text)'")
                }
                self.limit = limit
            }
            if let text = try single("timeout") {
                guard let timeout = Double(text), timeout > 0, timeout <= 31_536_000 else {
                    throw PatchbayError(.invalidArgument, "timeout must be a number of seconds above 0 (at most a year), not '\(text)'")
                }
                self.timeout = timeout
            }
        }
    }

    /// How often a quiet stream says it is alive: also how soon a client that went away is noticed.
    static let keepAlive: Duration = .seconds(15)

    static func eventStream(_ hub: EventHub, _ query: EventQuery) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            let reader = hub.reader(after: query.since, filter: query.filter)
            defer { reader.close() }
            // A daemon that stops ends its streams (their clients reconnect with their cursor);
            // a graceful shutdown waits for every response, and a stream would never end.
            try await withGracefulShutdownHandler {
                try await follow(reader, query, &writer)
            } onGracefulShutdown: {
                reader.close()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private static func follow(_ reader: EventReader, _ query: EventQuery, _ writer: inout any ResponseBodyWriter) async throws {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let end = query.timeout.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
            var left = query.limit ?? .max
            try await writer.write(ByteBuffer(string: ": patchbay events after \(reader.position)\n\n"))
            while left > 0 {
                var wait = keepAlive
                if let end {
                    let remaining = end - ContinuousClock.now
                    guard remaining > .zero else { break }
                    wait = min(wait, remaining)
                }
                guard let batch = await reader.next(limit: min(left, 256), timeout: wait) else { break }
                var text = ""
                if batch.missed > 0 {
                    let marker = String(decoding: try encoder.encode(EventsDropped(missed: batch.missed, cursor: batch.cursor)), as: UTF8.self)
                    text += "event: dropped\ndata: \(marker)\n\n"
                }
                for event in batch.events {
                    text += "id: \(event.id)\nevent: \(event.type.rawValue)\ndata: \(String(decoding: try encoder.encode(event), as: UTF8.self))\n\n"
                }
                left -= batch.events.count
                try await writer.write(ByteBuffer(string: text.isEmpty ? ": keep-alive\n\n" : text))
            }
    }
}
