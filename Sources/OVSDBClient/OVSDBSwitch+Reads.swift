import OVSDBWire
import PatchbayModel

extension OVSDBSwitch {
    /// `ovs-vsctl get Open_vSwitch . ovs_version datapath_types iface_types ...`. A database that
    /// was never initialized has no row; that reads as an `OVSSystem` that knows nothing.
    public func system() async throws(PatchbayError) -> OVSSystem {
        let what = "read the Open_vSwitch table"
        let rows = try await select([.select(table: OVSDBOpenVSwitchRow.table, where: [], columns: OVSDBOpenVSwitchRow.columns)], doing: what)
        guard let row = rows[0].first else { return OVSSystem() }
        return OVSSystem(try decode(what) { () throws(OVSDBWireError) in try OVSDBOpenVSwitchRow(row: row) })
    }

    /// `ovs-vsctl list-br`.
    public func bridgeNames() async throws(PatchbayError) -> [String] {
        let what = "list Open vSwitch bridges"
        let rows = try await select([.select(table: OVSDBBridgeRow.table, where: [], columns: ["_uuid", "name"])], doing: what)
        return try decode(what) { () throws(OVSDBWireError) in
            try rows[0].decoded(as: OVSDBBridgeRow.self).map(\.name).sorted()
        }
    }

    /// `ovs-vsctl list Bridge NAME`, then its ports, their interfaces and QoS rows.
    public func bridge(named name: String) async throws(PatchbayError) -> OVSBridgeState? {
        let what = "read Open vSwitch bridge \(name)"
        let rows = try await select([.select(table: OVSDBBridgeRow.table, where: [.name(name)], columns: OVSDBBridgeRow.columns)], doing: what)
        guard let row = rows[0].first else { return nil }
        let bridge = try decode(what) { () throws(OVSDBWireError) in try OVSDBBridgeRow(row: row) }
        let ports = try await portRows(bridge.ports, doing: what)
        return OVSBridgeState(bridge, ports: try await portStates(ports, doing: what))
    }

    /// `ovs-vsctl --columns=... find Interface external_ids:KEY=VALUE`, then the ports that hold
    /// those interfaces and the bridges that hold the ports: three reads however many ports
    /// the switch has, each by index or by the interface's condition.
    public func ports(withExternalID key: String, value: String) async throws(PatchbayError) -> [(bridge: String, port: OVSPortState)] {
        let what = "find Open vSwitch ports with external_ids:\(key)=\(value)"
        let first = try await select([
            .select(table: OVSDBInterfaceRow.table,
                    where: [OVSDBCondition("external_ids", .includes, .stringMap([key: value]))], columns: OVSDBInterfaceRow.columns),
            .select(table: OVSDBBridgeRow.table, where: [], columns: ["_uuid", "name", "ports"]),
        ], doing: what)
        let (interfaces, bridges) = try decode(what) { () throws(OVSDBWireError) in
            (try first[0].decoded(as: OVSDBInterfaceRow.self), try first[1].decoded(as: OVSDBBridgeRow.self))
        }
        guard !interfaces.isEmpty else { return [] }
        let byUUID = Dictionary(interfaces.map { ($0.uuid!, $0) }, uniquingKeysWith: { a, _ in a })
        let second = try await select(interfaces.map {
            .select(table: OVSDBPortRow.table, where: [OVSDBCondition("interfaces", .includes, .uuid($0.uuid!))], columns: OVSDBPortRow.columns)
        }, doing: what)
        var ports: [OVSDBUUID: OVSDBPortRow] = [:]
        for rows in second {
            for row in rows {
                let port = try decode(what) { () throws(OVSDBWireError) in try OVSDBPortRow(row: row) }
                ports[port.uuid!] = port
            }
        }
        let qos = try await qosRows(Set(ports.values.compactMap(\.qos)), doing: what)
        var found: [(bridge: String, port: OVSPortState)] = []
        for port in ports.values {
            let interface = OVSPortState.primaryInterface(of: port, among: byUUID)
            let state = try decode(what) { () throws(OVSDBWireError) in try OVSPortState(port: port, interface: interface, qos: port.qos.flatMap { qos[$0] }) }
            for bridge in bridges where bridge.ports.contains(port.uuid!) { found.append((bridge.name, state)) }
        }
        return found.sorted { ($0.bridge, $0.port.name) < ($1.bridge, $1.port.name) }
    }

    // MARK: - Rows by UUID

    /// The Port rows of these UUIDs (one select each, in one transaction); a UUID whose row went
    /// meanwhile is skipped.
    func portRows(_ uuids: [OVSDBUUID], doing what: String) async throws(PatchbayError) -> [OVSDBPortRow] {
        let rows = try await select(uuids.map { .select(table: OVSDBPortRow.table, where: [.uuid($0)], columns: OVSDBPortRow.columns) }, doing: what)
        return try decode(what) { () throws(OVSDBWireError) in try rows.compactMap(\.first).decoded(as: OVSDBPortRow.self) }
    }

    func qosRows(_ uuids: Set<OVSDBUUID>, doing what: String) async throws(PatchbayError) -> [OVSDBUUID: OVSDBQoSRow] {
        let rows = try await select(uuids.sorted().map { .select(table: OVSDBQoSRow.table, where: [.uuid($0)], columns: OVSDBQoSRow.columns) },
                                    doing: what)
        let qos = try decode(what) { () throws(OVSDBWireError) in try rows.compactMap(\.first).decoded(as: OVSDBQoSRow.self) }
        return Dictionary(qos.map { ($0.uuid!, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The ports as the engine sees them: each with its interface and QoS, read in one transaction.
    func portStates(_ ports: [OVSDBPortRow], doing what: String) async throws(PatchbayError) -> [OVSPortState] {
        let interfaceUUIDs = ports.flatMap(\.interfaces)
        let qosUUIDs = Set(ports.compactMap(\.qos)).sorted()
        let selects: [OVSDBOperation] = interfaceUUIDs.map {
            .select(table: OVSDBInterfaceRow.table, where: [.uuid($0)], columns: OVSDBInterfaceRow.columns)
        } + qosUUIDs.map { .select(table: OVSDBQoSRow.table, where: [.uuid($0)], columns: OVSDBQoSRow.columns) }
        let rows = try await select(selects, doing: what)
        return try decode(what) { () throws(OVSDBWireError) in
            let interfaces = try rows.prefix(interfaceUUIDs.count).compactMap(\.first).decoded(as: OVSDBInterfaceRow.self)
            let qos = try rows.dropFirst(interfaceUUIDs.count).compactMap(\.first).decoded(as: OVSDBQoSRow.self)
            let interfacesByUUID = Dictionary(interfaces.map { ($0.uuid!, $0) }, uniquingKeysWith: { a, _ in a })
            let qosByUUID = Dictionary(qos.map { ($0.uuid!, $0) }, uniquingKeysWith: { a, _ in a })
            return try ports.decodeEach { port throws(OVSDBWireError) in
                try OVSPortState(port: port, interface: OVSPortState.primaryInterface(of: port, among: interfacesByUUID),
                                 qos: port.qos.flatMap { qosByUUID[$0] })
            }
        }
    }

    /// The UUIDs of the ports (other than `except`) that use each of these QoS rows: a QoS row
    /// used only by the ports being changed is theirs to update or delete.
    func qosUsers(_ qos: Set<OVSDBUUID>, doing what: String) async throws(PatchbayError) -> [OVSDBUUID: Set<OVSDBUUID>] {
        let sorted = qos.sorted()
        let rows = try await select(sorted.map {
            .select(table: OVSDBPortRow.table, where: [OVSDBCondition("qos", .equal, .uuid($0))], columns: ["_uuid"])
        }, doing: what)
        var users: [OVSDBUUID: Set<OVSDBUUID>] = [:]
        for (uuid, ports) in zip(sorted, rows) {
            users[uuid] = Set(try decode(what) { () throws(OVSDBWireError) in
                try ports.uuids(in: OVSDBPortRow.table)
            })
        }
        return users
    }
}
