extension OVSDBOperation {
    /// Reads an operation as a client sends it, refusing members §5.2 does not give it (as
    /// ovsdb-server does). Patchbay only writes operations; this reads what other clients
    /// (ovs-vsctl) wrote, for tests and the fuzzer.
    public init(json: JSONValue) throws(OVSDBWireError) {
        try self.init(json: json, path: JSONPath())
    }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        let object = try path.object(json)
        let op = try path.member("op").string(try path.required(object, "op"))
        func table() throws(OVSDBWireError) -> String { try path.member("table").string(try path.required(object, "table")) }
        func conditions() throws(OVSDBWireError) -> [OVSDBCondition] {
            let at = path.member("where")
            let elements = try at.array(try path.required(object, "where"))
            var conditions: [OVSDBCondition] = []
            for (index, element) in elements.enumerated() { conditions.append(try OVSDBCondition(json: element, path: at.index(index))) }
            return conditions
        }
        func row(_ name: String) throws(OVSDBWireError) -> OVSDBRow { try OVSDBRow(json: try path.required(object, name), path: path.member(name)) }
        func columns() throws(OVSDBWireError) -> [String] {
            let at = path.member("columns")
            var names: [String] = []
            for (index, element) in try at.array(try path.required(object, "columns")).enumerated() {
                names.append(try at.index(index).string(element))
            }
            return names
        }
        switch op {
        case "insert":
            try path.checkMembers(object, allowed: ["op", "table", "row", "uuid-name"])
            var uuidName: OVSDBNamedUUID?
            if let value = object["uuid-name"] {
                let name = try path.member("uuid-name").string(value)
                guard let named = OVSDBNamedUUID(name) else { throw path.member("uuid-name").error(.invalidUUID, "\"\(name)\" is not an <id>") }
                uuidName = named
            }
            self = .insert(table: try table(), row: try row("row"), uuidName: uuidName)
        case "select":
            try path.checkMembers(object, allowed: ["op", "table", "where", "columns"])
            self = .select(table: try table(), where: try conditions(), columns: object["columns"] == nil ? nil : try columns())
        case "update":
            try path.checkMembers(object, allowed: ["op", "table", "where", "row"])
            self = .update(table: try table(), where: try conditions(), row: try row("row"))
        case "mutate":
            try path.checkMembers(object, allowed: ["op", "table", "where", "mutations"])
            let at = path.member("mutations")
            var mutations: [OVSDBMutation] = []
            for (index, element) in try at.array(try path.required(object, "mutations")).enumerated() {
                mutations.append(try OVSDBMutation(json: element, path: at.index(index)))
            }
            self = .mutate(table: try table(), where: try conditions(), mutations: mutations)
        case "delete":
            try path.checkMembers(object, allowed: ["op", "table", "where"])
            self = .delete(table: try table(), where: try conditions())
        case "wait":
            try path.checkMembers(object, allowed: ["op", "table", "where", "columns", "until", "rows", "timeout"])
            let untilText = try path.member("until").string(try path.required(object, "until"))
            guard let until = OVSDBWait.Until(rawValue: untilText) else {
                throw path.member("until").error(.unexpectedValue, "\"until\" must be \"==\" or \"!=\", found \"\(untilText)\"")
            }
            let at = path.member("rows")
            var rows: [OVSDBRow] = []
            for (index, element) in try at.array(try path.required(object, "rows")).enumerated() {
                rows.append(try OVSDBRow(json: element, path: at.index(index)))
            }
            var timeout: Int64?
            if let value = object["timeout"] { timeout = try path.member("timeout").integer(value) }
            self = .wait(OVSDBWait(table: try table(), where: try conditions(), columns: try columns(), until: until, rows: rows,
                                   timeoutMilliseconds: timeout))
        case "comment":
            try path.checkMembers(object, allowed: ["op", "comment"])
            self = .comment(try path.member("comment").string(try path.required(object, "comment")))
        case "commit":
            try path.checkMembers(object, allowed: ["op", "durable"])
            self = .commit(durable: try path.member("durable").bool(try path.required(object, "durable")))
        case "abort":
            try path.checkMembers(object, allowed: ["op"])
            self = .abort
        case "assert":
            try path.checkMembers(object, allowed: ["op", "lock"])
            self = .assert(lock: try path.member("lock").string(try path.required(object, "lock")))
        default:
            throw path.member("op").error(.unexpectedValue, "unknown operation \"\(op)\"")
        }
    }
}
