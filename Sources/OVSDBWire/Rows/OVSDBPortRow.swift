/// A `Port` row (ovs-vswitchd.conf.db(5), "Port TABLE"): one port of a bridge, with its
/// interfaces (one, unless it is a bond) and the VLAN and QoS settings. `tag` is the access VLAN
/// (0-4095), `trunks` the VLANs a trunk port carries (empty: all), `vlan_mode` how the two
/// combine ("access", "trunk", "native-tagged", "native-untagged", "dot1q-tunnel"; empty: access
/// when `tag` is set, trunk otherwise). `qos` refers to a QoS row, which is a root row: it is not
/// garbage-collected with the port and must be deleted by whoever made it.
public struct OVSDBPortRow: Sendable, Hashable {
    public static let table = "Port"
    public static let columns = ["_uuid", "name", "interfaces", "tag", "trunks", "vlan_mode", "qos", "external_ids"]

    public var uuid: OVSDBUUID?
    public var name: String
    public var interfaces: [OVSDBUUID]
    public var tag: Int64?
    public var trunks: [Int64]
    public var vlanMode: String?
    public var qos: OVSDBUUID?
    public var externalIDs: [String: String]

    public init(uuid: OVSDBUUID? = nil, name: String, interfaces: [OVSDBUUID] = [], tag: Int64? = nil, trunks: [Int64] = [],
                vlanMode: String? = nil, qos: OVSDBUUID? = nil, externalIDs: [String: String] = [:]) {
        self.uuid = uuid
        self.name = name
        self.interfaces = interfaces
        self.tag = tag
        self.trunks = trunks
        self.vlanMode = vlanMode
        self.qos = qos
        self.externalIDs = externalIDs
    }

    public init(uuid: OVSDBUUID?, row: OVSDBRow) throws(OVSDBWireError) {
        let reader = OVSDBRowReader(table: Self.table, uuid: uuid, row: row)
        self.init(uuid: try reader.rowUUID(), name: try reader.string("name"), interfaces: try reader.uuids("interfaces"),
                  tag: try reader.optionalInteger("tag"), trunks: try reader.integers("trunks"),
                  vlanMode: try reader.optionalString("vlan_mode"), qos: try reader.optionalUUID("qos"),
                  externalIDs: try reader.stringMap("external_ids"))
    }

    public init(row: OVSDBRow) throws(OVSDBWireError) { try self.init(uuid: nil, row: row) }
}
