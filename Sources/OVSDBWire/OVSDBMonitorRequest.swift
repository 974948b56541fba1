/// What a monitor watches in one table (RFC 7047 §4.1.5 <monitor-request>): the columns (all when
/// nil) and which kinds of change to report. The server sends the rows as they are now in the
/// reply (`initial`) and every later change as an `update` notification.
public struct OVSDBMonitorRequest: Sendable, Hashable {
    public struct Select: Sendable, Hashable {
        public var initial: Bool
        public var insert: Bool
        public var delete: Bool
        public var modify: Bool

        public init(initial: Bool = true, insert: Bool = true, delete: Bool = true, modify: Bool = true) {
            self.initial = initial
            self.insert = insert
            self.delete = delete
            self.modify = modify
        }

        public static let all = Select()
    }

    public var columns: [String]?
    /// nil leaves the server's default: everything.
    public var select: Select?

    public init(columns: [String]? = nil, select: Select? = nil) {
        self.columns = columns
        self.select = select
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let columns { object["columns"] = .array(columns.map(JSONValue.string)) }
        if let select {
            object["select"] = ["initial": .bool(select.initial), "insert": .bool(select.insert), "delete": .bool(select.delete),
                                "modify": .bool(select.modify)]
        }
        return .object(object)
    }
}
