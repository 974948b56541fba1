/// A `QoS` row (ovs-vswitchd.conf.db(5), "QoS TABLE"): how ovs-vswitchd shapes what it sends out
/// of the ports that refer to it. `type` picks the implementation ("linux-htb" on the kernel
/// datapath, "egress-policer" on the userspace one); `other_config` holds its parameters.
public struct OVSDBQoSRow: Sendable, Hashable {
    public static let table = "QoS"
    public static let columns = ["_uuid", "type", "other_config", "external_ids"]

    public var uuid: OVSDBUUID?
    public var type: String
    public var otherConfig: [String: String]
    public var externalIDs: [String: String]

    public init(uuid: OVSDBUUID? = nil, type: String, otherConfig: [String: String] = [:], externalIDs: [String: String] = [:]) {
        self.uuid = uuid
        self.type = type
        self.otherConfig = otherConfig
        self.externalIDs = externalIDs
    }

    public init(uuid: OVSDBUUID?, row: OVSDBRow) throws(OVSDBWireError) {
        let reader = OVSDBRowReader(table: Self.table, uuid: uuid, row: row)
        self.init(uuid: try reader.rowUUID(), type: try reader.string("type"), otherConfig: try reader.stringMap("other_config"),
                  externalIDs: try reader.stringMap("external_ids"))
    }

    public init(row: OVSDBRow) throws(OVSDBWireError) { try self.init(uuid: nil, row: row) }
}
