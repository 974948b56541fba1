/// One value of a column's base type (RFC 7047 §5.1 <atom>): integer, real, boolean, string,
/// UUID, or, inside a transaction, the named UUID of a row inserted by it.
///
/// On the wire an integer is a JSON number without fraction or exponent, a real any number (so
/// an integer-looking real reads as `integer`; `realValue` accepts both), and UUIDs are tagged
/// arrays, `["uuid", ...]` and `["named-uuid", ...]`.
public enum OVSDBAtom: Sendable, Hashable, Comparable {
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    case string(String)
    case uuid(OVSDBUUID)
    case namedUUID(OVSDBNamedUUID)

    public init(json: JSONValue) throws(OVSDBWireError) {
        try self.init(json: json, path: JSONPath())
    }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        switch json {
        case .integer(let value): self = .integer(value)
        case .double(let value): self = .real(value)
        case .bool(let value): self = .boolean(value)
        case .string(let value): self = .string(value)
        case .array(let elements):
            guard elements.count == 2, case .string(let tag) = elements[0], case .string(let text) = elements[1] else {
                throw path.error(.unexpectedValue, "expected an atom, found an array that is not [\"uuid\", ...] or [\"named-uuid\", ...]")
            }
            switch tag {
            case "uuid":
                guard let uuid = OVSDBUUID(text) else { throw path.error(.invalidUUID, "\"\(text)\" is not a UUID") }
                self = .uuid(uuid)
            case "named-uuid":
                guard let name = OVSDBNamedUUID(text) else { throw path.error(.invalidUUID, "\"\(text)\" is not a valid uuid-name") }
                self = .namedUUID(name)
            default:
                throw path.error(.unexpectedValue, "expected an atom, found [\"\(tag)\", ...]")
            }
        case .null, .object:
            throw path.unexpected(json, expected: "an atom")
        }
    }

    public var json: JSONValue {
        switch self {
        case .integer(let value): .integer(value)
        case .real(let value): .double(value)
        case .boolean(let value): .bool(value)
        case .string(let value): .string(value)
        case .uuid(let uuid): uuid.json
        case .namedUUID(let name): name.json
        }
    }

    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var integerValue: Int64? { if case .integer(let value) = self { value } else { nil } }
    public var booleanValue: Bool? { if case .boolean(let value) = self { value } else { nil } }
    public var uuidValue: OVSDBUUID? { if case .uuid(let value) = self { value } else { nil } }
    /// A real column's value: ovsdb-server writes a whole real without a fraction.
    public var realValue: Double? {
        switch self {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// What it is, for error messages.
    var kind: String {
        switch self {
        case .integer: "an integer"
        case .real: "a real"
        case .boolean: "a boolean"
        case .string: "a string"
        case .uuid: "a UUID"
        case .namedUUID: "a named UUID"
        }
    }

    private var order: Int {
        switch self {
        case .integer: 0
        case .real: 1
        case .boolean: 2
        case .string: 3
        case .uuid: 4
        case .namedUUID: 5
        }
    }

    /// Atoms of one type in their natural order (strings by UTF-8 bytes, as ovsdb-server sorts
    /// them); atoms of different types by type. Used to write sets and maps in a stable order.
    public static func < (lhs: OVSDBAtom, rhs: OVSDBAtom) -> Bool {
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)): a < b
        case (.real(let a), .real(let b)): a < b
        case (.boolean(let a), .boolean(let b)): !a && b
        case (.string(let a), .string(let b)): a.utf8.lexicographicallyPrecedes(b.utf8)
        case (.uuid(let a), .uuid(let b)): a < b
        case (.namedUUID(let a), .namedUUID(let b)): a.name < b.name
        default: lhs.order < rhs.order
        }
    }
}

extension OVSDBAtom: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}
