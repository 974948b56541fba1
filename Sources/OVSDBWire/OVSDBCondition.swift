/// One test of a `where` clause (RFC 7047 §5.1 <condition>): `[column, function, value]`. A row
/// matches a clause when it passes every condition; an empty clause matches every row.
public struct OVSDBCondition: Sendable, Hashable {
    /// RFC 7047 §5.1 <function>. The ordering functions apply to integer and real columns of one
    /// atom; `includes` and `excludes` to sets and maps (every element of `value` is / none is in
    /// the column); `==` and `!=` to any column.
    public enum Function: String, Sendable, Hashable, CaseIterable {
        case lessThan = "<"
        case lessThanOrEqual = "<="
        case equal = "=="
        case notEqual = "!="
        case greaterThanOrEqual = ">="
        case greaterThan = ">"
        case includes
        case excludes
    }

    public var column: String
    public var function: Function
    public var value: OVSDBDatum

    public init(_ column: String, _ function: Function, _ value: OVSDBDatum) {
        self.column = column
        self.function = function
        self.value = value
    }

    /// `["_uuid", "==", ["uuid", ...]]`: the row with that UUID.
    public static func uuid(_ uuid: OVSDBUUID) -> OVSDBCondition { OVSDBCondition("_uuid", .equal, .uuid(uuid)) }

    /// `["name", "==", name]`: Bridge, Port and Interface names are unique (the schema indexes
    /// them), so this selects at most one row.
    public static func name(_ name: String) -> OVSDBCondition { OVSDBCondition("name", .equal, .string(name)) }

    public var json: JSONValue { [.string(column), .string(function.rawValue), value.json] }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        let elements = try path.array(json)
        guard elements.count == 3 else { throw path.error(.unexpectedValue, "a condition must be [column, function, value]") }
        let column = try path.index(0).string(elements[0])
        let name = try path.index(1).string(elements[1])
        guard let function = Function(rawValue: name) else { throw path.index(1).error(.unexpectedValue, "unknown function \"\(name)\"") }
        self.init(column, function, try OVSDBDatum(json: elements[2], path: path.index(2)))
    }
}

/// One change of a `mutate` operation (RFC 7047 §5.1 <mutation>): `[column, mutator, value]`.
/// Unlike `update`, a mutation is applied to the value the column has when the transaction
/// runs, so two clients adding a bridge each to `Open_vSwitch.bridges` do not overwrite each
/// other.
public struct OVSDBMutation: Sendable, Hashable {
    /// RFC 7047 §5.1 <mutator>: arithmetic on integer and real columns (applied to every element
    /// of a set), `insert` and `delete` on sets and maps (`delete` on a map takes either keys,
    /// as a set, or key-value pairs, as a map).
    public enum Mutator: String, Sendable, Hashable, CaseIterable {
        case add = "+="
        case subtract = "-="
        case multiply = "*="
        case divide = "/="
        case remainder = "%="
        case insert
        case delete
    }

    public var column: String
    public var mutator: Mutator
    public var value: OVSDBDatum

    public init(_ column: String, _ mutator: Mutator, _ value: OVSDBDatum) {
        self.column = column
        self.mutator = mutator
        self.value = value
    }

    public var json: JSONValue { [.string(column), .string(mutator.rawValue), value.json] }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        let elements = try path.array(json)
        guard elements.count == 3 else { throw path.error(.unexpectedValue, "a mutation must be [column, mutator, value]") }
        let column = try path.index(0).string(elements[0])
        let name = try path.index(1).string(elements[1])
        guard let mutator = Mutator(rawValue: name) else { throw path.index(1).error(.unexpectedValue, "unknown mutator \"\(name)\"") }
        self.init(column, mutator, try OVSDBDatum(json: elements[2], path: path.index(2)))
    }
}
