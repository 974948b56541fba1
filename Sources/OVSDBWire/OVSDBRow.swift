/// A row, or part of one (RFC 7047 §5.1 <row>): column names to values. What a `select` with
/// `columns`, a monitor's `old` row (only the columns that changed) or an `insert` holds is a
/// subset of the table's columns; `_uuid` and `_version` appear only when asked for.
public struct OVSDBRow: Sendable, Hashable {
    public var columns: [String: OVSDBDatum]

    public init(_ columns: [String: OVSDBDatum] = [:]) {
        self.columns = columns
    }

    public subscript(_ column: String) -> OVSDBDatum? {
        get { columns[column] }
        set { columns[column] = newValue }
    }

    public var isEmpty: Bool { columns.isEmpty }

    public init(json: JSONValue) throws(OVSDBWireError) {
        try self.init(json: json, path: JSONPath())
    }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        let object = try path.object(json)
        var columns: [String: OVSDBDatum] = [:]
        columns.reserveCapacity(object.count)
        for (name, value) in object {
            columns[name] = try OVSDBDatum(json: value, path: path.member(name))
        }
        self.columns = columns
    }

    public var json: JSONValue { .object(columns.mapValues(\.json)) }

    /// Every value normalized (`OVSDBDatum.normalized`).
    public var normalized: OVSDBRow { OVSDBRow(columns.mapValues(\.normalized)) }
}

extension OVSDBRow: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, OVSDBDatum)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
}
