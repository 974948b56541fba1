import Glibc
import OVSDBWire
import PatchbayModel

extension PatchbayError {
    /// How to fix an unreachable ovsdb-server, said in every `.unavailable` error: the daemon's
    /// operator reads it in `patchbay` output, far from the code.
    static func ovsdbHint(_ socketPath: String) -> String {
        "Open vSwitch is not running (start ovsdb-server and ovs-vswitchd, e.g. `systemctl start openvswitch-switch`), "
            + "or its database socket is not \(socketPath) (start patchbayd with --ovsdb PATH)"
    }

    /// A call that got no answer, said for the person at the terminal: where Patchbay looked,
    /// what it was doing, and what to do about it.
    init(_ error: OVSDBClientError, doing what: String) {
        let path = error.socketPath
        switch error.reason {
        case .cannotConnect(let errno):
            self.init(.unavailable, "cannot \(what): cannot connect to ovsdb-server at \(path): \(Self.ovsdbHint(path))",
                      cause: String(cString: strerror(errno)))
        case .disconnected(let why):
            self.init(.unavailable, "cannot \(what): the connection to ovsdb-server at \(path) was lost", cause: why)
        case .timedOut(let seconds):
            self.init(.unavailable, "cannot \(what): ovsdb-server at \(path) did not answer within \(seconds) s", cause: error.description)
        case .cancelled:
            self.init(.unavailable, "cannot \(what): cancelled while waiting for ovsdb-server at \(path)")
        case .malformed(let wire):
            self.init(.internal, "cannot \(what): ovsdb-server at \(path) sent data that is not OVSDB", cause: wire.description)
        case .server(let server) where server.error == "unknown database":
            self.init(.unavailable, "cannot \(what): the server at \(path) has no Open_vSwitch database: is it Open vSwitch's ovsdb-server?",
                      cause: server.description)
        case .server(let server):
            self.init(.internal, "cannot \(what): ovsdb-server at \(path) refused the request", cause: server.description)
        }
    }

    /// A transaction the server refused: a failed `wait` or constraint means the database changed
    /// under the caller (`.conflict`); anything else is a request Patchbay should not have made.
    init(_ error: OVSDBServerError, operation index: Int, of operations: [OVSDBOperation], doing what: String) {
        let step = index < operations.count ? "operation \(index) (\(Self.name(operations[index])))" : "the commit"
        self.init(error.isConflict ? .conflict : .internal, "cannot \(what): ovsdb-server refused \(step)", cause: error.description)
    }

    private static func name(_ operation: OVSDBOperation) -> String {
        let op: String = switch operation {
        case .insert: "insert"
        case .select: "select"
        case .update: "update"
        case .mutate: "mutate"
        case .delete: "delete"
        case .wait: "wait"
        case .comment: "comment"
        case .commit: "commit"
        case .abort: "abort"
        case .assert: "assert"
        }
        return operation.table.map { "\(op) \($0)" } ?? op
    }

    init(_ error: OVSDBWireError, socketPath: String, doing what: String) {
        self.init(.internal, "cannot \(what): ovsdb-server at \(socketPath) answered with data Patchbay cannot read", cause: error.description)
    }
}
