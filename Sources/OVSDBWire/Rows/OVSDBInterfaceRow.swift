/// An `Interface` row (ovs-vswitchd.conf.db(5), "Interface TABLE"). Patchbay writes `name`,
/// `type`, `options`, `external_ids` and the ingress policing pair; ovs-vswitchd writes the rest
/// once it has opened the device: `ofport` (-1 when it could not, with the reason in `error`),
/// `link_state`, `admin_state`, `mac_in_use`, `statistics`.
public struct OVSDBInterfaceRow: Sendable, Hashable {
    public static let table = "Interface"
    public static let columns = ["_uuid", "name", "type", "options", "external_ids", "ingress_policing_rate",
                                 "ingress_policing_burst", "ofport", "error", "link_state", "admin_state", "mac_in_use", "statistics"]

    public var uuid: OVSDBUUID?
    public var name: String
    public var type: String
    public var options: [String: String]
    public var externalIDs: [String: String]
    /// kbit/s and kbit; 0 disables policing.
    public var ingressPolicingRate: Int64
    public var ingressPolicingBurst: Int64
    public var ofport: Int64?
    public var error: String?
    public var linkState: String?
    public var adminState: String?
    public var macInUse: String?
    public var statistics: [String: Int64]

    public init(uuid: OVSDBUUID? = nil, name: String, type: String = "", options: [String: String] = [:],
                externalIDs: [String: String] = [:], ingressPolicingRate: Int64 = 0, ingressPolicingBurst: Int64 = 0,
                ofport: Int64? = nil, error: String? = nil, linkState: String? = nil, adminState: String? = nil,
                macInUse: String? = nil, statistics: [String: Int64] = [:]) {
        self.uuid = uuid
        self.name = name
        self.type = type
        self.options = options
        self.externalIDs = externalIDs
        self.ingressPolicingRate = ingressPolicingRate
        self.ingressPolicingBurst = ingressPolicingBurst
        self.ofport = ofport
        self.error = error
        self.linkState = linkState
        self.adminState = adminState
        self.macInUse = macInUse
        self.statistics = statistics
    }

    public init(uuid: OVSDBUUID?, row: OVSDBRow) throws(OVSDBWireError) {
        let reader = OVSDBRowReader(table: Self.table, uuid: uuid, row: row)
        self.init(uuid: try reader.rowUUID(), name: try reader.string("name"), type: try reader.string("type"),
                  options: try reader.stringMap("options"), externalIDs: try reader.stringMap("external_ids"),
                  ingressPolicingRate: try reader.integer("ingress_policing_rate"),
                  ingressPolicingBurst: try reader.integer("ingress_policing_burst"), ofport: try reader.optionalInteger("ofport"),
                  error: try reader.optionalString("error"), linkState: try reader.optionalString("link_state"),
                  adminState: try reader.optionalString("admin_state"), macInUse: try reader.optionalString("mac_in_use"),
                  statistics: try reader.integerMap("statistics"))
    }

    public init(row: OVSDBRow) throws(OVSDBWireError) { try self.init(uuid: nil, row: row) }
}
