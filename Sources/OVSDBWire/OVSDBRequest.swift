/// The OVSDB methods Patchbay calls (RFC 7047 §4.1), as the `method` and `params` of a JSON-RPC
/// request. The connection gives each its id.
public struct OVSDBRequest: Sendable, Hashable {
    public var method: String
    public var params: [JSONValue]

    public init(method: String, params: [JSONValue]) {
        self.method = method
        self.params = params
    }

    /// §4.1.3: `["Open_vSwitch", op, op, ...]`.
    public static func transact(database: String, _ operations: [OVSDBOperation]) -> OVSDBRequest {
        OVSDBRequest(method: "transact", params: [.string(database)] + operations.map(\.json))
    }

    /// §4.1.5: `[db, monitor-id, {table: monitor-request}]`. The reply is the initial
    /// table-updates; later changes come as `update` notifications carrying `monitorID`.
    public static func monitor(database: String, id monitorID: JSONValue, _ requests: [String: OVSDBMonitorRequest]) -> OVSDBRequest {
        OVSDBRequest(method: "monitor", params: [.string(database), monitorID, .object(requests.mapValues(\.json))])
    }

    /// §4.1.7: ends a monitor.
    public static func monitorCancel(id monitorID: JSONValue) -> OVSDBRequest {
        OVSDBRequest(method: "monitor_cancel", params: [monitorID])
    }

    /// §4.1.11: the server answers with the same params.
    public static func echo(_ params: [JSONValue] = []) -> OVSDBRequest { OVSDBRequest(method: "echo", params: params) }

    /// §4.1.1: the databases the server holds.
    public static let listDatabases = OVSDBRequest(method: "list_dbs", params: [])

    public func message(id: JSONValue) -> JSONRPCMessage { .request(method: method, params: params, id: id) }

    /// Reads a `transact` request's operations (what another client sent).
    public static func transactOperations(_ params: [JSONValue]) throws(OVSDBWireError) -> (database: String, operations: [OVSDBOperation]) {
        let path = JSONPath("params")
        guard let first = params.first else { throw path.error(.missingMember, "a transact request without a database") }
        let database = try path.index(0).string(first)
        var operations: [OVSDBOperation] = []
        for (index, element) in params.enumerated().dropFirst() {
            operations.append(try OVSDBOperation(json: element, path: path.index(index)))
        }
        return (database, operations)
    }
}
