/// A JSON value (RFC 8259), as OVSDB's JSON-RPC carries it. Numbers written without a fraction or
/// an exponent that fit in 64 bits stay exact integers (`integer`): OVSDB integers are 64-bit
/// (RFC 7047 §5.1, <integer>), and a double would round `cur_cfg` or a statistics counter past
/// 2^53. Objects are unordered (RFC 8259 §4); the serializer writes their members sorted by name
/// so that equal values give equal bytes.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// A number with a fraction or an exponent, or an integer too large for Int64. Always finite.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// The JSON type's name, for error messages ("expected an array, found a string").
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public var isNull: Bool { if case .null = self { true } else { false } }

    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }
    public var integerValue: Int64? { if case .integer(let value) = self { value } else { nil } }
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }

    /// The member `name` of an object, nil for a missing member or a value that is no object.
    public subscript(_ name: String) -> JSONValue? { objectValue?[name] }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
    /// A later duplicate key wins; literals in code have none.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
}

/// Reading a JSON value of a known shape, with errors that name the path to the offending value.
/// Every OVSDB decoder walks its input with these, so a message from a foreign server fails with
/// `result[0].rows[3].ofport: expected an integer, found a string` rather than a trap.
struct JSONPath {
    let text: String

    init(_ text: String = "") { self.text = text }

    func member(_ name: String) -> JSONPath {
        JSONPath(text.isEmpty ? name : "\(text).\(name)")
    }

    func index(_ index: Int) -> JSONPath { JSONPath("\(text)[\(index)]") }

    func error(_ reason: OVSDBWireError.Reason, _ what: String) -> OVSDBWireError {
        OVSDBWireError(reason, what, path: text)
    }

    func unexpected(_ value: JSONValue, expected: String) -> OVSDBWireError {
        error(.unexpectedValue, "expected \(expected), found \(value.kind)")
    }

    func object(_ value: JSONValue) throws(OVSDBWireError) -> [String: JSONValue] {
        guard case .object(let object) = value else { throw unexpected(value, expected: "an object") }
        return object
    }

    func array(_ value: JSONValue) throws(OVSDBWireError) -> [JSONValue] {
        guard case .array(let array) = value else { throw unexpected(value, expected: "an array") }
        return array
    }

    func string(_ value: JSONValue) throws(OVSDBWireError) -> String {
        guard case .string(let string) = value else { throw unexpected(value, expected: "a string") }
        return string
    }

    func integer(_ value: JSONValue) throws(OVSDBWireError) -> Int64 {
        guard case .integer(let integer) = value else { throw unexpected(value, expected: "an integer") }
        return integer
    }

    func bool(_ value: JSONValue) throws(OVSDBWireError) -> Bool {
        guard case .bool(let bool) = value else { throw unexpected(value, expected: "a boolean") }
        return bool
    }

    /// The members of `object`, refusing any not in `allowed`: RFC 7047 defines each message's and
    /// operation's members, and ovsdb-server refuses unknown ones, so a reader that ignored them
    /// would accept what the server would not.
    func checkMembers(_ object: [String: JSONValue], allowed: Set<String>) throws(OVSDBWireError) {
        for name in object.keys.sorted() where !allowed.contains(name) {
            throw member(name).error(.unexpectedValue, "unexpected member \"\(name)\"")
        }
    }

    func required(_ object: [String: JSONValue], _ name: String) throws(OVSDBWireError) -> JSONValue {
        guard let value = object[name] else { throw error(.missingMember, "missing member \"\(name)\"") }
        return value
    }
}
