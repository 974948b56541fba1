/// Reads a row's columns as the `vswitch.ovsschema` types them, with errors that name the table,
/// the row and the column ("Interface 635802b2-….ofport: expected an integer, found a string").
///
/// A missing column reads as its empty value (nil, [], [:], 0, "" or false): select results and
/// monitor rows hold only the columns asked for, and the typed rows are built from them. A column
/// of the wrong type is an error; ovsdb-server checks every value against the schema, so that
/// means a server (or a schema) that is not what Patchbay speaks to.
public struct OVSDBRowReader {
    public let table: String
    public let uuid: OVSDBUUID?
    public let row: OVSDBRow

    public init(table: String, uuid: OVSDBUUID?, row: OVSDBRow) {
        self.table = table
        self.uuid = uuid
        self.row = row
    }

    /// The row's UUID: the one it was given, else its `_uuid` column.
    public func rowUUID() throws(OVSDBWireError) -> OVSDBUUID {
        if let uuid { return uuid }
        guard let uuid = try optionalUUID("_uuid") else {
            throw OVSDBWireError(.missingMember, "a \(table) row without \"_uuid\"", path: table)
        }
        return uuid
    }

    private func path(_ column: String) -> String {
        uuid.map { "\(table) \($0).\(column)" } ?? "\(table).\(column)"
    }

    private func error(_ column: String, _ what: String) -> OVSDBWireError {
        OVSDBWireError(.unexpectedValue, what, path: path(column))
    }

    /// The atoms of a set column, each read by `convert` (nil: the wrong type, named `expected`).
    private func atoms<T>(_ column: String, expected: String, min: Int = 0, max: Int = .max,
                          _ convert: (OVSDBAtom) -> T?) throws(OVSDBWireError) -> [T] {
        guard let datum = row[column] else { return [] }
        guard let atoms = datum.atoms else { throw error(column, "expected a set of \(expected), found a map") }
        guard atoms.count >= min, atoms.count <= max else {
            let allowed = min == max ? "exactly \(min)" : max == .max ? "at least \(min)" : "\(min) to \(max)"
            throw error(column, "holds \(atoms.count) atoms where the schema allows \(allowed)")
        }
        var values: [T] = []
        values.reserveCapacity(atoms.count)
        for atom in atoms {
            guard let value = convert(atom) else { throw error(column, "expected \(expected), found \(atom.kind)") }
            values.append(value)
        }
        return values
    }

    private func pairs<K, V>(_ column: String, expected: String, _ key: (OVSDBAtom) -> K?, _ value: (OVSDBAtom) -> V?)
        throws(OVSDBWireError) -> [(K, V)]
    {
        guard let datum = row[column] else { return [] }
        guard let pairs = datum.pairs else { throw error(column, "expected a map of \(expected), found a set") }
        var result: [(K, V)] = []
        result.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let k = key(pair.key), let v = value(pair.value) else {
                throw error(column, "expected a map of \(expected), found \(pair.key.kind) to \(pair.value.kind)")
            }
            result.append((k, v))
        }
        return result
    }

    // MARK: Scalars (exactly one atom) and optionals (zero or one)

    public func string(_ column: String) throws(OVSDBWireError) -> String {
        try atoms(column, expected: "a string", min: 1, max: 1, \.stringValue).first ?? ""
    }

    public func optionalString(_ column: String) throws(OVSDBWireError) -> String? {
        try atoms(column, expected: "a string", max: 1, \.stringValue).first
    }

    public func integer(_ column: String) throws(OVSDBWireError) -> Int64 {
        try atoms(column, expected: "an integer", min: 1, max: 1, \.integerValue).first ?? 0
    }

    public func optionalInteger(_ column: String) throws(OVSDBWireError) -> Int64? {
        try atoms(column, expected: "an integer", max: 1, \.integerValue).first
    }

    public func boolean(_ column: String) throws(OVSDBWireError) -> Bool {
        try atoms(column, expected: "a boolean", min: 1, max: 1, \.booleanValue).first ?? false
    }

    public func optionalUUID(_ column: String) throws(OVSDBWireError) -> OVSDBUUID? {
        try atoms(column, expected: "a UUID", max: 1, \.uuidValue).first
    }

    // MARK: Sets and maps

    public func strings(_ column: String) throws(OVSDBWireError) -> [String] {
        try atoms(column, expected: "strings", \.stringValue)
    }

    public func integers(_ column: String) throws(OVSDBWireError) -> [Int64] {
        try atoms(column, expected: "integers", \.integerValue)
    }

    public func uuids(_ column: String) throws(OVSDBWireError) -> [OVSDBUUID] {
        try atoms(column, expected: "UUIDs", \.uuidValue)
    }

    public func stringMap(_ column: String) throws(OVSDBWireError) -> [String: String] {
        Dictionary(try pairs(column, expected: "strings to strings", \.stringValue, \.stringValue), uniquingKeysWith: { $1 })
    }

    public func integerMap(_ column: String) throws(OVSDBWireError) -> [String: Int64] {
        Dictionary(try pairs(column, expected: "strings to integers", \.stringValue, \.integerValue), uniquingKeysWith: { $1 })
    }
}
