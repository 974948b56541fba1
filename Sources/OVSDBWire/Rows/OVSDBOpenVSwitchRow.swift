/// The `Open_vSwitch` table's one row (ovs-vswitchd.conf.db(5), "Open_vSwitch TABLE"): the root of
/// the configuration. Bridges hang off `bridges`; `next_cfg` is what clients ask for and
/// `cur_cfg` what ovs-vswitchd has applied, so a client that bumps `next_cfg` in its transaction
/// knows its change is live once `cur_cfg` reaches that number.
public struct OVSDBOpenVSwitchRow: Sendable, Hashable {
    public static let table = "Open_vSwitch"
    public static let columns = ["_uuid", "bridges", "cur_cfg", "next_cfg", "ovs_version", "datapath_types", "iface_types",
                                 "dpdk_initialized", "dpdk_version"]

    public var uuid: OVSDBUUID
    public var bridges: [OVSDBUUID]
    public var curCfg: Int64
    public var nextCfg: Int64
    /// Written by the start-up script (`ovs-ctl`), not by ovs-vswitchd: empty when OVS was
    /// started by hand.
    public var ovsVersion: String?
    public var datapathTypes: [String]
    public var interfaceTypes: [String]
    public var dpdkInitialized: Bool
    public var dpdkVersion: String?

    public init(uuid: OVSDBUUID, row: OVSDBRow) throws(OVSDBWireError) {
        let reader = OVSDBRowReader(table: Self.table, uuid: uuid, row: row)
        self.uuid = uuid
        bridges = try reader.uuids("bridges")
        curCfg = try reader.integer("cur_cfg")
        nextCfg = try reader.integer("next_cfg")
        ovsVersion = try reader.optionalString("ovs_version")
        datapathTypes = try reader.strings("datapath_types")
        interfaceTypes = try reader.strings("iface_types")
        dpdkInitialized = try reader.boolean("dpdk_initialized")
        dpdkVersion = try reader.optionalString("dpdk_version")
    }

    /// A row of a select result, which carries its `_uuid`.
    public init(row: OVSDBRow) throws(OVSDBWireError) {
        try self.init(uuid: try OVSDBRowReader(table: Self.table, uuid: nil, row: row).rowUUID(), row: row)
    }
}
