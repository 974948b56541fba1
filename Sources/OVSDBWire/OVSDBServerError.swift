/// An error ovsdb-server reports (RFC 7047 §3.1 <error>): an object with an `error` string, the
/// kind ("constraint violation", "referential integrity violation", "timed out", "unknown
/// database", ...), and optionally `details` (text for a person) and `syntax` (the offending
/// JSON, as text). A JSON-RPC level error can also be a bare string ("unknown method").
public struct OVSDBServerError: Error, Sendable, Hashable, CustomStringConvertible {
    public var error: String
    public var details: String?
    public var syntax: String?

    public init(error: String, details: String? = nil, syntax: String? = nil) {
        self.error = error
        self.details = details
        self.syntax = syntax
    }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        if case .string(let error) = json {
            self.init(error: error)
            return
        }
        let object = try path.object(json)
        let error = try path.member("error").string(try path.required(object, "error"))
        var details: String?, syntax: String?
        if let value = object["details"] { details = try path.member("details").string(value) }
        if let value = object["syntax"] { syntax = try path.member("syntax").string(value) }
        // RFC 7047 allows further members "that describe the error"; they are not kept.
        self.init(error: error, details: details, syntax: syntax)
    }

    public init(json: JSONValue) throws(OVSDBWireError) {
        try self.init(json: json, path: JSONPath())
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["error": .string(error)]
        if let details { object["details"] = .string(details) }
        if let syntax { object["syntax"] = .string(syntax) }
        return .object(object)
    }

    public var description: String {
        details.map { "\(error): \($0)" } ?? error
    }

    /// The errors RFC 7047 §5.2 names that mean the database changed between a client's read
    /// and its write, or that a write broke a rule the database keeps: retrying with fresh data
    /// may work, but the write as asked cannot commit.
    public var isConflict: Bool {
        ["constraint violation", "referential integrity violation", "timed out", "aborted"].contains(error)
    }
}
