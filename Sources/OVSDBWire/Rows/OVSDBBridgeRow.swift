/// A `Bridge` row (ovs-vswitchd.conf.db(5), "Bridge TABLE"): the columns Patchbay reads and
/// writes. `name` is immutable and unique (the schema indexes it); `ports` holds the bridge's
/// Port rows, which are garbage-collected once no bridge refers to them.
public struct OVSDBBridgeRow: Sendable, Hashable {
    public static let table = "Bridge"
    public static let columns = ["_uuid", "name", "datapath_type", "external_ids", "ports"]

    public var uuid: OVSDBUUID?
    public var name: String
    /// "" means the default ("system", the kernel datapath); "netdev" is the userspace one.
    public var datapathType: String
    public var externalIDs: [String: String]
    public var ports: [OVSDBUUID]

    public init(uuid: OVSDBUUID? = nil, name: String, datapathType: String = "", externalIDs: [String: String] = [:],
                ports: [OVSDBUUID] = []) {
        self.uuid = uuid
        self.name = name
        self.datapathType = datapathType
        self.externalIDs = externalIDs
        self.ports = ports
    }

    public init(uuid: OVSDBUUID?, row: OVSDBRow) throws(OVSDBWireError) {
        let reader = OVSDBRowReader(table: Self.table, uuid: uuid, row: row)
        self.init(uuid: try reader.rowUUID(), name: try reader.string("name"), datapathType: try reader.string("datapath_type"),
                  externalIDs: try reader.stringMap("external_ids"), ports: try reader.uuids("ports"))
    }

    public init(row: OVSDBRow) throws(OVSDBWireError) { try self.init(uuid: nil, row: row) }
}
