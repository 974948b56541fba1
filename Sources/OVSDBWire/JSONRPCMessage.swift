/// A JSON-RPC 1.0 message as OVSDB uses it (RFC 7047 §4): both sides send requests, and
/// ovsdb-server sends notifications (`update` for a monitor, §4.1.6) and requests of its own
/// (`echo`, §4.1.11, to see whether the client is alive).
///
/// JSON-RPC 1.0 has no version member. A request carries `method`, `params` (always an array)
/// and an `id` that is not null; a notification is a request whose `id` is null; a response
/// carries `id`, `result` and `error`, one of which is null. ovsdb-server writes `"error":null`
/// beside a result, but omits `result` beside an error (`{"id":7,"error":"unknown method"}`),
/// so either may be missing when the other says what happened.
public enum JSONRPCMessage: Sendable, Hashable {
    case request(method: String, params: [JSONValue], id: JSONValue)
    case notification(method: String, params: [JSONValue])
    case response(result: JSONValue, id: JSONValue)
    case errorResponse(error: JSONValue, id: JSONValue)

    /// Reads a message, refusing members JSON-RPC 1.0 does not define (ovsdb-server refuses
    /// them too).
    public init(json: JSONValue) throws(OVSDBWireError) {
        let path = JSONPath()
        let object = try path.object(json)
        if let method = object["method"] {
            try path.checkMembers(object, allowed: ["method", "params", "id"])
            let name = try path.member("method").string(method)
            let params = try path.member("params").array(try path.required(object, "params"))
            let id = object["id"] ?? .null
            self = id.isNull ? .notification(method: name, params: params) : .request(method: name, params: params, id: id)
            return
        }
        try path.checkMembers(object, allowed: ["result", "error", "id"])
        guard let id = object["id"] else { throw path.error(.missingMember, "a response without \"id\"") }
        if let error = object["error"], !error.isNull {
            self = .errorResponse(error: error, id: id)
        } else if let result = object["result"] {
            self = .response(result: result, id: id)
        } else {
            throw path.error(.missingMember, "a response with neither \"result\" nor \"error\"")
        }
    }

    /// Reads a message from one complete JSON text.
    public init(bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(OVSDBWireError) {
        try self.init(json: try JSONParser.parse(bytes, limits: limits))
    }

    public var json: JSONValue {
        switch self {
        case .request(let method, let params, let id): ["method": .string(method), "params": .array(params), "id": id]
        case .notification(let method, let params): ["method": .string(method), "params": .array(params), "id": nil]
        case .response(let result, let id): ["result": result, "error": nil, "id": id]
        case .errorResponse(let error, let id): ["result": nil, "error": error, "id": id]
        }
    }

    /// The message as it goes on the wire.
    public func serialized() -> [UInt8] { json.serialized() }

    /// `serialized()` as text, for logs and tests.
    public var text: String { json.text }

    /// The id of a request or response; nil for a notification.
    public var id: JSONValue? {
        switch self {
        case .request(_, _, let id), .response(_, let id), .errorResponse(_, let id): id
        case .notification: nil
        }
    }

    /// The reply a client owes the server's `echo` request (RFC 7047 §4.1.11): the same params
    /// as its result, and the same id. Nil for any other message.
    public var echoReply: JSONRPCMessage? {
        guard case .request("echo", let params, let id) = self else { return nil }
        return .response(result: .array(params), id: id)
    }
}
