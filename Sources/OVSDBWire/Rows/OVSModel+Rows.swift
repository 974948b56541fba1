import PatchbayModel

extension OVSSystem {
    /// The engine's view of the `Open_vSwitch` row. ovs-vswitchd writes `dpdk_version` "none" in a
    /// build without DPDK; that, like an empty value, reads as nil.
    public init(_ row: OVSDBOpenVSwitchRow) {
        let dpdk = row.dpdkVersion.flatMap { $0.isEmpty || $0 == "none" ? nil : $0 }
        self.init(version: row.ovsVersion.flatMap { $0.isEmpty ? nil : $0 }, datapathTypes: row.datapathTypes,
                  interfaceTypes: row.interfaceTypes, dpdkInitialized: row.dpdkInitialized, dpdkVersion: dpdk)
    }
}

extension OVSVLAN {
    /// A Port row's VLAN columns. The schema keeps `tag` and `trunks` in 0-4095; a value outside
    /// that means a server with another schema and is refused. A `vlan_mode` the model has no
    /// case for ("dot1q-tunnel") reads as nil: the port is someone else's, and refusing it would
    /// make a whole bridge unreadable.
    public init(_ port: OVSDBPortRow) throws(OVSDBWireError) {
        let at = "Port \(port.uuid.map(\.string) ?? port.name)"
        func vlan(_ value: Int64, _ column: String) throws(OVSDBWireError) -> UInt16 {
            guard (0...4095).contains(value) else {
                throw OVSDBWireError(.unexpectedValue, "VLAN \(value) is outside 0-4095", path: "\(at).\(column)")
            }
            return UInt16(value)
        }
        var trunks: [UInt16] = []
        for trunk in port.trunks { trunks.append(try vlan(trunk, "trunks")) }
        var tag: UInt16?
        if let value = port.tag { tag = try vlan(value, "tag") }
        self.init(tag: tag, trunks: trunks.sorted(), mode: port.vlanMode.flatMap(Mode.init(rawValue:)))
    }

    /// The Port columns for this VLAN setting: empty sets for what is unset, so writing them
    /// clears what a previous setting left.
    public var portColumns: [String: OVSDBDatum] {
        ["tag": .optional(tag.map { .integer(Int64($0)) }), "trunks": .integers(trunks.sorted().map(Int64.init)),
         "vlan_mode": .optional(mode.map { .string($0.rawValue) })]
    }
}

extension OVSQoS {
    public init(_ row: OVSDBQoSRow) {
        self.init(type: row.type, otherConfig: row.otherConfig)
    }
}

extension OVSPortState {
    /// A port as the engine sees it: the Port row's VLAN, its interface's columns and its QoS.
    /// `interface` is nil for a port whose interface row was not found (it went between two
    /// reads).
    public init(port: OVSDBPortRow, interface: OVSDBInterfaceRow?, qos: OVSDBQoSRow?) throws(OVSDBWireError) {
        self.init(name: port.name, interfaceType: interface?.type ?? "", options: interface?.options ?? [:],
                  externalIDs: interface?.externalIDs ?? [:], vlan: try OVSVLAN(port),
                  ingressPolicingRate: Int(interface?.ingressPolicingRate ?? 0),
                  ingressPolicingBurst: Int(interface?.ingressPolicingBurst ?? 0), qos: qos.map(OVSQoS.init),
                  ofport: interface?.ofport.map { Int($0) }, error: interface?.error.flatMap { $0.isEmpty ? nil : $0 },
                  linkState: interface?.linkState, adminState: interface?.adminState, macInUse: interface?.macInUse,
                  statistics: (interface?.statistics ?? [:]).mapValues { Int($0) })
    }

    /// The interface that stands for the port: the one of the port's own name (what ovs-vsctl
    /// add-port makes), else the first (a bond's).
    public static func primaryInterface(of port: OVSDBPortRow, among interfaces: [OVSDBUUID: OVSDBInterfaceRow]) -> OVSDBInterfaceRow? {
        let rows = port.interfaces.compactMap { interfaces[$0] }
        return rows.first { $0.name == port.name } ?? rows.first
    }
}

extension OVSBridgeState {
    public init(_ bridge: OVSDBBridgeRow, ports: [OVSPortState]) {
        self.init(name: bridge.name, uuid: bridge.uuid?.string ?? "", datapathType: bridge.datapathType,
                  externalIDs: bridge.externalIDs, ports: ports.sorted { $0.name < $1.name })
    }
}
