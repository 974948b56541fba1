/// Bytes or JSON that are not what RFC 8259 (JSON), RFC 7047 (OVSDB's JSON-RPC and data
/// encoding) or the `vswitch.ovsschema` say they must be. ovsdb-server never sends such data; a
/// bug, a foreign server or a fuzzer does, and the reader must say what and where instead of
/// trapping, so a captured session can be checked against the message.
public struct OVSDBWireError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of damage, so callers and tests can match without reading the prose.
    public enum Reason: Sendable, Hashable {
        /// Not JSON text (RFC 8259 §2): a stray byte, a missing comma or colon, bad number syntax.
        case syntax
        /// A string that is not UTF-8 (RFC 8259 §8.1) or holds a lone surrogate escape (§7).
        case invalidUTF8
        /// An object with the same member name twice (RFC 8259 §4 leaves the meaning open; an
        /// OVSDB row with two values for one column has none).
        case duplicateKey
        /// A number outside what a double holds (RFC 8259 §6 lets parsers limit the range).
        case numberOutOfRange
        /// Arrays and objects nested deeper than the parser's limit.
        case depthLimit
        /// A text (or one message of a stream) larger than the reader's limit.
        case sizeLimit
        /// Valid JSON of the wrong shape: a JSON-RPC message, an OVSDB datum, an operation or a
        /// result that RFC 7047 does not allow.
        case unexpectedValue
        /// A member RFC 7047 requires is missing.
        case missingMember
        /// A `["uuid", ...]` whose string is not 8-4-4-4-12 hex digits (RFC 7047 §5.1), or a
        /// `["named-uuid", ...]` that is not an <id> (§3.1).
        case invalidUUID
    }

    /// Where the damage is: a byte offset for JSON text, or a path through the JSON value
    /// (`result[2].rows[0].ofport`) for valid JSON of the wrong shape.
    public enum Location: Sendable, Hashable, CustomStringConvertible {
        case offset(Int)
        case path(String)

        public var description: String {
            switch self {
            case .offset(let offset): "byte \(offset)"
            case .path(let path): path.isEmpty ? "the top level" : path
            }
        }
    }

    public var reason: Reason
    public var what: String
    public var location: Location

    public init(_ reason: Reason, _ what: String, at location: Location) {
        self.reason = reason
        self.what = what
        self.location = location
    }

    public init(_ reason: Reason, _ what: String, offset: Int) {
        self.init(reason, what, at: .offset(offset))
    }

    public init(_ reason: Reason, _ what: String, path: String) {
        self.init(reason, what, at: .path(path))
    }

    public var description: String {
        switch location {
        case .offset: "malformed JSON at \(location): \(what)"
        case .path: "unexpected OVSDB data at \(location): \(what)"
        }
    }
}
