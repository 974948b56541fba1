import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PatchbayModel

/// One HTTP/1.1 exchange over the daemon's unix socket. The CLI makes one request per run, so a
/// connection per request keeps this small and leaves nothing open between commands.
struct HTTPUnixTransport: Sendable {
    let socketPath: String

    struct Reply: Sendable {
        var status: Int
        var body: Data
    }

    func send(method: HTTPMethod, path: String, body: Data?) async throws(PatchbayError) -> Reply {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
                head.headers.add(name: "Host", value: "patchbayd")
                head.headers.add(name: "Connection", value: "close")
                head.headers.add(name: "Content-Length", value: String(body?.count ?? 0))
                if body != nil { head.headers.add(name: "Content-Type", value: "application/json") }
                var parts: [HTTPClientRequestPart] = [.head(head)]
                if let body { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                parts.append(.end(nil))
                // One write: the daemon answers (and, asked to, closes) as soon as it has the whole
                // request, and a later separate write of the end would then find the channel closed
                // although the answer is already on its way.
                do { try await outbound.write(contentsOf: parts) } catch {
                    // The answer, if it came, is read below; only without one is this an error.
                }

                var status = 0
                var collected = ByteBuffer()
                for try await part in inbound {
                    switch part {
                    case .head(let responseHead): status = Int(responseHead.status.code)
                    case .body(var chunk): collected.writeBuffer(&chunk)
                    case .end: return Reply(status: status, body: Data(collected.readableBytesView))
                    }
                }
                throw PatchbayError(.unavailable, "patchbayd closed the connection before answering")
            }
        } catch let error as PatchbayError {
            throw error
        } catch {
            throw PatchbayError(.unavailable, "cannot reach patchbayd at \(socketPath) (is it running? set --socket or PATCHBAY_SOCKET)",
                                cause: "\(error)")
        }
    }
}
