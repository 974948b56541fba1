/// One operation of a `transact` request (RFC 7047 §5.2). The operations of one transaction run
/// in order against one snapshot and commit together or not at all: an operation that fails
/// stops the rest, and nothing is written.
public enum OVSDBOperation: Sendable, Hashable {
    /// §5.2.1: a new row. `uuidName` names it for later operations (`["named-uuid", name]`);
    /// columns not given take their defaults.
    case insert(table: String, row: OVSDBRow, uuidName: OVSDBNamedUUID?)
    /// §5.2.2: the rows matching `where`, with `columns` (all when nil, `_uuid` and `_version`
    /// included).
    case select(table: String, where: [OVSDBCondition], columns: [String]?)
    /// §5.2.3: sets the given columns of every matching row.
    case update(table: String, where: [OVSDBCondition], row: OVSDBRow)
    /// §5.2.4: applies the mutations to every matching row.
    case mutate(table: String, where: [OVSDBCondition], mutations: [OVSDBMutation])
    /// §5.2.5: deletes every matching row (refused if another row still refers to one).
    case delete(table: String, where: [OVSDBCondition])
    /// §5.2.6: fails the transaction unless the matching rows have (or, with `until: .notEqual`,
    /// do not have) these values, waiting up to the timeout for it to become true.
    case wait(OVSDBWait)
    /// §5.2.7: a comment for the database log (ovs-vsctl writes its command line).
    case comment(String)
    /// §5.2.8: commits (durably, to disk, if asked) before the transaction ends.
    case commit(durable: Bool)
    /// §5.2.9: aborts the transaction.
    case abort
    /// §5.2.10 (the lock extension): fails unless this client holds `lock`.
    case assert(lock: String)

    public var json: JSONValue {
        switch self {
        case .insert(let table, let row, let uuidName):
            var object: [String: JSONValue] = ["op": "insert", "table": .string(table), "row": row.json]
            if let uuidName { object["uuid-name"] = .string(uuidName.name) }
            return .object(object)
        case .select(let table, let conditions, let columns):
            var object: [String: JSONValue] = ["op": "select", "table": .string(table), "where": .array(conditions.map(\.json))]
            if let columns { object["columns"] = .array(columns.map(JSONValue.string)) }
            return .object(object)
        case .update(let table, let conditions, let row):
            return ["op": "update", "table": .string(table), "where": .array(conditions.map(\.json)), "row": row.json]
        case .mutate(let table, let conditions, let mutations):
            return ["op": "mutate", "table": .string(table), "where": .array(conditions.map(\.json)),
                    "mutations": .array(mutations.map(\.json))]
        case .delete(let table, let conditions):
            return ["op": "delete", "table": .string(table), "where": .array(conditions.map(\.json))]
        case .wait(let wait):
            return wait.json
        case .comment(let comment):
            return ["op": "comment", "comment": .string(comment)]
        case .commit(let durable):
            return ["op": "commit", "durable": .bool(durable)]
        case .abort:
            return ["op": "abort"]
        case .assert(let lock):
            return ["op": "assert", "lock": .string(lock)]
        }
    }

    /// The table it works on; nil for comment, commit, abort and assert.
    public var table: String? {
        switch self {
        case .insert(let table, _, _), .select(let table, _, _), .update(let table, _, _), .mutate(let table, _, _),
             .delete(let table, _):
            table
        case .wait(let wait): wait.table
        case .comment, .commit, .abort, .assert: nil
        }
    }
}

/// The `wait` operation's members (RFC 7047 §5.2.6).
public struct OVSDBWait: Sendable, Hashable {
    public enum Until: String, Sendable, Hashable {
        case equal = "=="
        case notEqual = "!="
    }

    public var table: String
    public var conditions: [OVSDBCondition]
    /// The columns compared; the matching rows are cut down to these before comparing them with
    /// `rows`. With no columns every matching row reads as `{}`, so `rows: [OVSDBRow()]` means
    /// "exactly one row matches".
    public var columns: [String]
    public var until: Until
    public var rows: [OVSDBRow]
    /// How long the server waits for the condition before failing with "timed out"; 0 checks it
    /// once, nil waits as long as it takes.
    public var timeoutMilliseconds: Int64?

    public init(table: String, where conditions: [OVSDBCondition], columns: [String], until: Until, rows: [OVSDBRow],
                timeoutMilliseconds: Int64?) {
        self.table = table
        self.conditions = conditions
        self.columns = columns
        self.until = until
        self.rows = rows
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "op": "wait", "table": .string(table), "where": .array(conditions.map(\.json)),
            "columns": .array(columns.map(JSONValue.string)), "until": .string(until.rawValue), "rows": .array(rows.map(\.json)),
        ]
        if let timeoutMilliseconds { object["timeout"] = .integer(timeoutMilliseconds) }
        return .object(object)
    }
}
