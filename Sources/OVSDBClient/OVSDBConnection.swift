import Foundation
import Logging
import OVSDBWire
import PatchbayIO
import Synchronization

/// One connection to ovsdb-server: JSON-RPC calls correlated by id, the server's `echo` answered,
/// notifications handed to the owner. A thread of its own reads the socket (blocking in poll(2)
/// with a 100 ms tick, so it also expires calls that passed their timeout); requests are written
/// by the owner's `IOThread`, so no task of the concurrency pool ever blocks on the socket.
///
/// A connection is never reused after it broke: the server closing it, a read error or a
/// malformed message fails every call in flight with the reason and ends the reader, and the
/// owner opens a new one (`OVSDBSwitch` does at its next call; `watch` after a backoff).
final class OVSDBConnection: Sendable {
    typealias Reply = Result<JSONValue, OVSDBClientError>

    private struct Pending {
        var continuation: CheckedContinuation<Reply, Never>
        var deadline: ContinuousClock.Instant
        var method: String
        var seconds: Double
    }

    private struct State {
        var nextID: Int64 = 0
        var pending: [Int64: Pending] = [:]
        /// Why the connection ended, once it has.
        var closed: OVSDBClientError?
        var stopRequested = false
    }

    let socketPath: String
    private let socket: UnixSocket
    private let state = Mutex(State())
    private let logger: Logger
    private let limits: JSONLimits
    private let onNotification: @Sendable (String, [JSONValue]) -> Void
    private let onClose: @Sendable (OVSDBClientError) -> Void

    /// Connects (blocking: call it on an `IOThread`) and starts the reader thread.
    static func open(socketPath: String, sendTimeout: Duration, limits: JSONLimits = .default, logger: Logger,
                     onNotification: @escaping @Sendable (String, [JSONValue]) -> Void = { _, _ in },
                     onClose: @escaping @Sendable (OVSDBClientError) -> Void = { _ in }) throws(OVSDBClientError) -> OVSDBConnection {
        let socket: UnixSocket
        do {
            socket = try UnixSocket(connectingTo: socketPath, sendTimeoutMilliseconds: Int(sendTimeout.milliseconds))
        } catch {
            throw OVSDBClientError(.cannotConnect(errno: error.errno), socketPath: socketPath)
        }
        let connection = OVSDBConnection(socketPath: socketPath, socket: socket, limits: limits, logger: logger,
                                         onNotification: onNotification, onClose: onClose)
        let thread = Thread { connection.readLoop() }
        thread.name = "patchbay-ovsdb"
        thread.start()
        return connection
    }

    private init(socketPath: String, socket: UnixSocket, limits: JSONLimits, logger: Logger,
                 onNotification: @escaping @Sendable (String, [JSONValue]) -> Void,
                 onClose: @escaping @Sendable (OVSDBClientError) -> Void) {
        self.socketPath = socketPath
        self.socket = socket
        self.limits = limits
        self.logger = logger
        self.onNotification = onNotification
        self.onClose = onClose
    }

    var isClosed: Bool { state.withLock { $0.closed != nil || $0.stopRequested } }

    /// Ends the connection: calls in flight fail with `.disconnected`, the reader thread ends.
    func close() {
        state.withLock { $0.stopRequested = true }
        socket.shutdown()
    }

    /// Sends `request` (written on `writer`) and waits for its reply, at most `timeout`.
    func call(_ request: OVSDBRequest, timeout: Duration, writer: IOThread) async throws(OVSDBClientError) -> JSONValue {
        let id = state.withLock { state -> Int64 in
            state.nextID += 1
            return state.nextID
        }
        let bytes = request.message(id: .integer(id)).serialized()
        let seconds = timeout.seconds
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let reply: Reply = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reply, Never>) in
                let refused: OVSDBClientError? = state.withLock { state in
                    if let closed = state.closed { return closed.with(method: request.method) }
                    // Checked under the lock: a cancellation after this finds the call pending.
                    if Task.isCancelled { return OVSDBClientError(.cancelled, socketPath: socketPath, method: request.method) }
                    state.pending[id] = Pending(continuation: continuation, deadline: deadline, method: request.method, seconds: seconds)
                    return nil
                }
                if let refused {
                    continuation.resume(returning: .failure(refused))
                    return
                }
                logger.trace("ovsdb send", metadata: ["id": "\(id)", "method": "\(request.method)"])
                writer.submit { [self] in
                    do throws(SystemError) {
                        try socket.send(bytes)
                    } catch {
                        let why = OVSDBClientError(.disconnected("send failed: \(String(cString: strerror(error.errno)))"),
                                                   socketPath: socketPath)
                        close()
                        finish(id, .failure(why.with(method: request.method)))
                    }
                }
            }
        } onCancel: {
            finish(id, .failure(OVSDBClientError(.cancelled, socketPath: socketPath, method: request.method)))
        }
        return try reply.get()
    }

    /// Resumes the call `id` if it is still waiting.
    private func finish(_ id: Int64, _ reply: Reply) {
        let pending = state.withLock { $0.pending.removeValue(forKey: id) }
        pending?.continuation.resume(returning: reply)
    }

    // MARK: - The reader thread

    private func readLoop() {
        var framer = JSONStreamFramer(limits: limits)
        var buffer = [UInt8](repeating: 0, count: 65536)
        let ending: OVSDBClientError
        reading: while true {
            if state.withLock({ $0.stopRequested }) {
                ending = OVSDBClientError(.disconnected("the connection was closed by Patchbay"), socketPath: socketPath)
                break
            }
            expireCalls()
            switch socket.receive(into: &buffer, timeoutMilliseconds: 100) {
            case .timeout:
                continue
            case .endOfStream:
                ending = OVSDBClientError(.disconnected(state.withLock { $0.stopRequested }
                                                            ? "the connection was closed by Patchbay" : "ovsdb-server closed the connection"),
                                          socketPath: socketPath)
                break reading
            case .failure(let code):
                ending = OVSDBClientError(.disconnected("read failed: \(String(cString: strerror(code)))"), socketPath: socketPath)
                break reading
            case .data(let count):
                framer.append(buffer[0..<count])
                do throws(OVSDBWireError) {
                    while let value = try framer.next() { try handle(try JSONRPCMessage(json: value)) }
                } catch {
                    logger.error("ovsdb-server sent data that is not OVSDB; closing the connection",
                                 metadata: ["socket": "\(socketPath)", "error": "\(error)"])
                    ending = OVSDBClientError(.malformed(error), socketPath: socketPath)
                    break reading
                }
            }
        }
        let calls = state.withLock { state -> [Pending] in
            state.closed = ending
            defer { state.pending.removeAll() }
            return Array(state.pending.values)
        }
        socket.close()
        for call in calls { call.continuation.resume(returning: .failure(ending.with(method: call.method))) }
        logger.debug("ovsdb connection ended", metadata: ["socket": "\(socketPath)", "reason": "\(ending)"])
        onClose(ending)
    }

    private func expireCalls() {
        let now = ContinuousClock.now
        let expired = state.withLock { state -> [Pending] in
            let ids = state.pending.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { state.pending.removeValue(forKey: $0) }
        }
        for call in expired {
            call.continuation.resume(returning: .failure(OVSDBClientError(.timedOut(seconds: call.seconds), socketPath: socketPath,
                                                                          method: call.method)))
        }
    }

    private func handle(_ message: JSONRPCMessage) throws(OVSDBWireError) {
        switch message {
        case .response(let result, let id):
            complete(id, .success(result))
        case .errorResponse(let error, let id):
            let serverError = (try? OVSDBServerError(json: error)) ?? OVSDBServerError(error: error.text)
            complete(id, .failure(OVSDBClientError(.server(serverError), socketPath: socketPath)))
        case .request("echo", _, _):
            // RFC 7047 §4.1.11: the server checks the client is alive; a client that does not
            // answer is disconnected after the server's inactivity probe.
            send(message.echoReply!)
        case .request(let method, _, let id):
            logger.debug("ovsdb-server sent an unknown request", metadata: ["method": "\(method)"])
            send(.errorResponse(error: .string("unknown method"), id: id))
        case .notification(let method, let params):
            onNotification(method, params)
        }
    }

    private func complete(_ id: JSONValue, _ reply: Reply) {
        guard case .integer(let number) = id else {
            logger.debug("ovsdb reply with an id Patchbay never sent", metadata: ["id": "\(id)"])
            return
        }
        let pending = state.withLock { $0.pending.removeValue(forKey: number) }
        guard let pending else {
            // The call timed out or was cancelled before the answer came.
            logger.debug("ovsdb reply to a call no longer waiting", metadata: ["id": "\(number)"])
            return
        }
        pending.continuation.resume(returning: reply.mapError { $0.with(method: pending.method) })
    }

    /// Written from the reader thread: echo replies are small, and the send timeout bounds them.
    private func send(_ message: JSONRPCMessage) {
        do throws(SystemError) {
            try socket.send(message.serialized())
        } catch {
            logger.debug("ovsdb reply not sent", metadata: ["errno": "\(error.errno)"])
            socket.shutdown()
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
