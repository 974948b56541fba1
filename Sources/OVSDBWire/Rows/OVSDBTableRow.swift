/// A typed row of one table of the `vswitch.ovsschema`, read from a select result (which carries
/// `_uuid`) or a monitor update (keyed by UUID).
public protocol OVSDBTableRow: Sendable, Hashable {
    static var table: String { get }
    /// The columns Patchbay selects.
    static var columns: [String] { get }
    init(uuid: OVSDBUUID?, row: OVSDBRow) throws(OVSDBWireError)
}

extension OVSDBOpenVSwitchRow: OVSDBTableRow {
    public init(uuid: OVSDBUUID?, row: OVSDBRow) throws(OVSDBWireError) {
        try self.init(uuid: try OVSDBRowReader(table: Self.table, uuid: uuid, row: row).rowUUID(), row: row)
    }
}

extension OVSDBBridgeRow: OVSDBTableRow {}
extension OVSDBPortRow: OVSDBTableRow {}
extension OVSDBInterfaceRow: OVSDBTableRow {}
extension OVSDBQoSRow: OVSDBTableRow {}

extension Sequence<OVSDBRow> {
    /// Select result rows as typed rows.
    public func decoded<T: OVSDBTableRow>(as type: T.Type) throws(OVSDBWireError) -> [T] {
        var rows: [T] = []
        for row in self { rows.append(try T(uuid: nil, row: row)) }
        return rows
    }

    /// The `_uuid` of each row of a select result.
    public func uuids(in table: String) throws(OVSDBWireError) -> [OVSDBUUID] {
        var uuids: [OVSDBUUID] = []
        for row in self { uuids.append(try OVSDBRowReader(table: table, uuid: nil, row: row).rowUUID()) }
        return uuids
    }
}
