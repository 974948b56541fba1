import Glibc
import OVSDBWire

/// Why a call to ovsdb-server did not get an answer, with the socket and the method, so the
/// message can say where and what. `OVSDBSwitch` turns it into a `PatchbayError`.
public struct OVSDBClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// connect(2) failed: ENOENT (no socket: ovsdb-server is not running), ECONNREFUSED (a
        /// stale socket), EACCES.
        case cannotConnect(errno: Int32)
        /// The connection broke: the server closed it (it stopped or restarted), or a read or
        /// write failed.
        case disconnected(String)
        /// No answer within the timeout.
        case timedOut(seconds: Double)
        /// The calling task was cancelled.
        case cancelled
        /// The server sent bytes that are not OVSDB's JSON-RPC.
        case malformed(OVSDBWireError)
        /// The server answered with a JSON-RPC error ("unknown database", "unknown method").
        case server(OVSDBServerError)
    }

    public var reason: Reason
    public var socketPath: String
    /// The JSON-RPC method of the call, nil for the connection as a whole.
    public var method: String?

    public init(_ reason: Reason, socketPath: String, method: String? = nil) {
        self.reason = reason
        self.socketPath = socketPath
        self.method = method
    }

    public var description: String {
        let call = method.map { " (\($0))" } ?? ""
        return switch reason {
        case .cannotConnect(let errno): "cannot connect to \(socketPath): \(String(cString: strerror(errno)))"
        case .disconnected(let why): "connection to \(socketPath) lost\(call): \(why)"
        case .timedOut(let seconds): "no answer from \(socketPath)\(call) within \(seconds) s"
        case .cancelled: "call to \(socketPath)\(call) cancelled"
        case .malformed(let error): "\(socketPath) sent data that is not OVSDB\(call): \(error)"
        case .server(let error): "\(socketPath) refused the call\(call): \(error)"
        }
    }

    func with(method: String) -> OVSDBClientError {
        var copy = self
        copy.method = method
        return copy
    }
}
