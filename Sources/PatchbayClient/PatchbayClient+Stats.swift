import FoundationEssentials
import PatchbayModel

extension PatchbayClient {
    /// One sample of every port's counters (GET /v1/stats), of `network` or of all.
    public func stats(network: String?) async throws(PatchbayError) -> StatsSnapshot {
        let reply = try await transport.send(method: .GET, path: "/v1/stats" + Self.statsQuery(network: network, interval: nil, count: nil), body: nil)
        guard (200..<300).contains(reply.status) else { throw Self.failure(reply) }
        do { return try JSONDecoder().decode(StatsSnapshot.self, from: reply.body) } catch {
            throw PatchbayError(.internal, "patchbayd sent an unreadable StatsSnapshot", cause: "\(error)")
        }
    }

    /// Follows the counter stream (GET /v1/stats/stream, server-sent events): `handle` gets a
    /// sample every `interval` seconds until it returns false or `count` samples came (or the
    /// daemon ends the stream: a graceful stop). An `error` message (the network went away) is
    /// thrown as the daemon's error. Blocks the calling thread, as `followEvents`.
    public func followStats(network: String?, interval: Double, count: Int?,
                            _ handle: (StatsSnapshot) throws(PatchbayError) -> Bool) throws(PatchbayError) {
        var parser = ServerSentEventParser()
        let decoder = JSONDecoder()
        // A sample is due every `interval`: silence for several of them (and a minute at
        // least) is a daemon gone.
        let idle = max(60, Int((interval * 4).rounded(.up)))
        let path = "/v1/stats/stream" + Self.statsQuery(network: network, interval: interval, count: count)
        let reply = try transport.stream(path: path, idleSeconds: idle) { (bytes: [UInt8]) throws(PatchbayError) -> Bool in
            for message in parser.feed(bytes) {
                if message.event == "error" {
                    guard let failure = try? decoder.decode(ErrorResponse.self, from: Data(message.data.utf8)) else {
                        throw PatchbayError(.internal, "patchbayd ended the counter stream with an unreadable error", cause: message.data)
                    }
                    throw failure.error
                }
                guard message.event == "stats" else { continue }
                let snapshot: StatsSnapshot
                do { snapshot = try decoder.decode(StatsSnapshot.self, from: Data(message.data.utf8)) } catch {
                    throw PatchbayError(.internal, "patchbayd sent an unreadable counter sample", cause: "\(error)")
                }
                if try !handle(snapshot) { return false }
            }
            return true
        }
        if let reply { throw Self.failure(reply) }
    }

    static func statsQuery(network: String?, interval: Double?, count: Int?) -> String {
        var items: [String] = []
        if let network { items.append("network=" + escapeQuery(network)) }
        if let interval { items.append("interval=\(interval)") }
        if let count { items.append("count=\(count)") }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    /// The daemon's error from a non-2xx answer, or one that says what came instead.
    static func failure(_ reply: HTTPUnixTransport.Reply) -> PatchbayError {
        if let decoded = try? JSONDecoder().decode(ErrorResponse.self, from: reply.body) { return decoded.error }
        return PatchbayError(.internal, "patchbayd answered HTTP \(reply.status)", cause: String(decoding: reply.body.prefix(200), as: UTF8.self))
    }
}
