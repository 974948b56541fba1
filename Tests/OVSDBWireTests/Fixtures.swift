import Foundation
import OVSDBWire

/// The captured sessions under Fixtures/ (see its README): what ovs-vsctl, ovsdb-client and a
/// raw client sent ovsdb-server 3.1 and what it answered, byte for byte.
enum Fixture {
    static let names = [
        "add-br", "add-port", "may-exist-add-port", "set-qos", "list-interface", "list-port", "add-br-exists", "add-port-no-bridge",
        "clear-qos", "del-port", "del-br", "show", "client-monitor", "monitored-add-port", "monitored-del-port",
        "transact-constraint-violation", "transact-referential-integrity", "transact-wait-failed", "transact-unknown-column",
        "transact-select-open-vswitch", "transact-wait-cur-cfg", "transact-select-includes", "transact-wait-timed-out", "echo-and-errors",
    ]

    enum Side: String {
        case client, server
    }

    static func bytes(_ name: String, _ side: Side) -> [UInt8] {
        let url = Bundle.module.url(forResource: "\(name).\(side.rawValue)", withExtension: "json", subdirectory: "Fixtures")!
        return Array(try! Data(contentsOf: url))
    }

    /// The complete JSON values of one side of a session (a trailing incomplete one left out).
    static func values(_ name: String, _ side: Side) throws -> [JSONValue] {
        var framer = JSONStreamFramer()
        framer.append(bytes(name, side))
        return try framer.drain()
    }

    static func messages(_ name: String, _ side: Side) throws -> [JSONRPCMessage] {
        try values(name, side).map { try JSONRPCMessage(json: $0) }
    }

    /// The server's reply to the client's request `method` (the first one with that method).
    static func exchange(_ name: String, method: String, occurrence: Int = 0) throws -> (request: JSONRPCMessage, reply: JSONRPCMessage) {
        let requests = try messages(name, .client).filter {
            if case .request(method, _, _) = $0 { true } else { false }
        }
        let request = requests[occurrence]
        let reply = try messages(name, .server).first { $0.id == request.id && $0.id != nil && !isRequest($0) }!
        return (request, reply)
    }

    /// The operations of the session's (first) transact request.
    static func transaction(_ name: String, occurrence: Int = 0) throws -> [OVSDBOperation] {
        guard case .request(_, let params, _) = try exchange(name, method: "transact", occurrence: occurrence).request else { fatalError() }
        return try OVSDBRequest.transactOperations(params).operations
    }

    static func isRequest(_ message: JSONRPCMessage) -> Bool {
        if case .request = message { return true }
        return false
    }

    /// A result of a transact reply.
    static func transactionResult(_ name: String, occurrence: Int = 0) throws -> OVSDBTransactionResult {
        guard case .response(let result, _) = try exchange(name, method: "transact", occurrence: occurrence).reply else {
            fatalError("\(name): the transact was refused")
        }
        return try OVSDBTransactionResult(json: result)
    }
}
