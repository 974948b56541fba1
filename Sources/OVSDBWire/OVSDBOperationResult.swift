/// What one operation of a transaction gave back (RFC 7047 §5.2): `{}` (wait, comment, commit,
/// abort, assert), `{"uuid": ...}` (insert), `{"count": n}` (update, mutate, delete),
/// `{"rows": [...]}` (select), or `{"error": ..., "details": ...}` when it failed.
public enum OVSDBOperationResult: Sendable, Hashable {
    case empty
    case uuid(OVSDBUUID)
    case count(Int64)
    case rows([OVSDBRow])
    case error(OVSDBServerError)

    public init(json: JSONValue) throws(OVSDBWireError) {
        try self.init(json: json, path: JSONPath())
    }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        let object = try path.object(json)
        if object["error"] != nil {
            self = .error(try OVSDBServerError(json: json, path: path))
        } else if let uuid = object["uuid"] {
            try path.checkMembers(object, allowed: ["uuid"])
            guard case .uuid(let value) = try OVSDBAtom(json: uuid, path: path.member("uuid")) else {
                throw path.member("uuid").error(.unexpectedValue, "expected [\"uuid\", ...]")
            }
            self = .uuid(value)
        } else if let count = object["count"] {
            try path.checkMembers(object, allowed: ["count"])
            self = .count(try path.member("count").integer(count))
        } else if let rows = object["rows"] {
            try path.checkMembers(object, allowed: ["rows"])
            let at = path.member("rows")
            var decoded: [OVSDBRow] = []
            for (index, row) in try at.array(rows).enumerated() { decoded.append(try OVSDBRow(json: row, path: at.index(index))) }
            self = .rows(decoded)
        } else {
            try path.checkMembers(object, allowed: [])
            self = .empty
        }
    }

    public var json: JSONValue {
        switch self {
        case .empty: [:]
        case .uuid(let uuid): ["uuid": uuid.json]
        case .count(let count): ["count": .integer(count)]
        case .rows(let rows): ["rows": .array(rows.map(\.json))]
        case .error(let error): error.json
        }
    }
}

/// The result of a `transact` request (RFC 7047 §4.1.3): one element per operation, in order.
/// When an operation fails, its element is the error and the ones after it are null (they did
/// not run). When every operation succeeds but the commit fails (a constraint the database
/// checks at commit: a duplicate index value, a dangling reference), the array has one element
/// more than there were operations, holding that error.
public struct OVSDBTransactionResult: Sendable, Hashable {
    /// nil for an operation that did not run.
    public var results: [OVSDBOperationResult?]

    public init(results: [OVSDBOperationResult?]) {
        self.results = results
    }

    public init(json: JSONValue) throws(OVSDBWireError) {
        let path = JSONPath("result")
        var results: [OVSDBOperationResult?] = []
        for (index, element) in try path.array(json).enumerated() {
            results.append(element.isNull ? nil : try OVSDBOperationResult(json: element, path: path.index(index)))
        }
        self.results = results
    }

    public var json: JSONValue { .array(results.map { $0?.json ?? .null }) }

    /// The first error and the index of the operation that failed (equal to the number of
    /// operations for a commit failure), nil when the transaction committed.
    public var firstError: (index: Int, error: OVSDBServerError)? {
        for (index, result) in results.enumerated() {
            if case .error(let error)? = result { return (index, error) }
        }
        return nil
    }

    /// The rows a `select` at `index` returned.
    public func rows(at index: Int) throws(OVSDBWireError) -> [OVSDBRow] {
        guard index < results.count, case .rows(let rows)? = results[index] else {
            throw OVSDBWireError(.unexpectedValue, "operation \(index) was a select, but its result holds no rows", path: "result[\(index)]")
        }
        return rows
    }

    /// The UUID an `insert` at `index` gave its row.
    public func uuid(at index: Int) throws(OVSDBWireError) -> OVSDBUUID {
        guard index < results.count, case .uuid(let uuid)? = results[index] else {
            throw OVSDBWireError(.unexpectedValue, "operation \(index) was an insert, but its result holds no uuid", path: "result[\(index)]")
        }
        return uuid
    }

    /// How many rows an `update`, `mutate` or `delete` at `index` matched.
    public func count(at index: Int) throws(OVSDBWireError) -> Int64 {
        guard index < results.count, case .count(let count)? = results[index] else {
            throw OVSDBWireError(.unexpectedValue, "operation \(index) counts rows, but its result holds no count", path: "result[\(index)]")
        }
        return count
    }
}
