import HTTPTypes
import Hummingbird
import PatchbayEngine
import PatchbayModel
import ServiceLifecycle

extension PatchbayRoutes {
    /// `patchbay capture`: a pcapng (or pcap) file streamed as the body while the capture runs.
    /// Served on the API socket only — whoever can connect there may change every network, so
    /// seeing their traffic gives nothing more; the `--metrics-listen` TCP listener has its own
    /// router with `/metrics` alone. Errors (bad query or filter, unknown target, stopped
    /// network) are answered before the first byte of the file, as JSON like every other error.
    static func captureRoutes(_ engine: NetworkEngine, _ capture: (any PacketCapturing)?) -> [APIRoute] {
        [
            APIRoute(.get, "/v1/capture") { request, _ in
                let query = (request.uri.query ?? "").split(separator: "&").map { part -> (String, String) in
                    let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    return (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
                }
                let parsed = try CaptureRequest.parse(query: query)
                guard let capture else { throw PatchbayError(.unavailable, "this daemon does not capture packets") }
                let (interfaces, session) = try await engine.capture(parsed, using: capture)
                let lease = CaptureLease(session)
                var headers = HTTPFields()
                headers[.contentType] = parsed.format.mediaType
                let format = parsed.format, snapLength = parsed.snapLength
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    // However the body ends (count, duration, a client gone: its write throws),
                    // the capture stops and its sockets close. A daemon shutting down ends it
                    // too: the server's graceful shutdown waits for every answer to finish,
                    // and a capture without count or duration would never.
                    defer { lease.session.stop() }
                    try await withGracefulShutdownHandler {
                        try await writer.write(ByteBuffer(bytes: format.header(interfaces: interfaces, snapLength: snapLength)))
                        for await event in lease.session.events {
                            switch event {
                            case .frame(let frame): try await writer.write(ByteBuffer(bytes: format.record(frame)))
                            // An empty write sends nothing (no empty chunk: that would end the
                            // body) but fails on a closed connection, so a client that left a
                            // quiet capture is noticed.
                            case .idle: try await writer.write(ByteBuffer())
                            }
                        }
                    } onGracefulShutdown: {
                        lease.session.stop()
                    }
                    try await writer.finish(nil)
                })
            },
        ]
    }
}

/// Holds a running capture for its answer: if the answer is dropped without its body ever being
/// written (the connection closed before the head went out), the capture still stops.
final class CaptureLease: Sendable {
    let session: CaptureSession

    init(_ session: CaptureSession) { self.session = session }

    deinit { session.stop() }
}
