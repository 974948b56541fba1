/// How much a JSON reader accepts before it refuses (RFC 8259 §9: "An implementation may set
/// limits on the size of texts that it accepts ... on the maximum depth of nesting").
///
/// The defaults fit OVSDB with a wide margin: the deepest message ovsdb-server sends (a select
/// result with a map of UUIDs) nests 9 levels, and the largest it sends Patchbay is a monitor
/// reply with every Interface and Port row, a few hundred bytes per row.
public struct JSONLimits: Sendable, Hashable {
    /// Arrays and objects inside each other, the outermost counting 1.
    public var maximumDepth: Int
    /// Bytes of one JSON text (one JSON-RPC message of a stream).
    public var maximumBytes: Int

    public init(maximumDepth: Int = 64, maximumBytes: Int = 64 << 20) {
        self.maximumDepth = maximumDepth
        self.maximumBytes = maximumBytes
    }

    public static let `default` = JSONLimits()
}
