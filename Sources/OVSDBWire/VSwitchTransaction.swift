import PatchbayModel

/// The transactions Patchbay writes to the `Open_vSwitch` database, each as ovs-vsctl would
/// write the same command (ovs-vsctl(8); the tests compare them with ovs-vsctl's own, captured
/// from a real session): rows inserted with `uuid-name`s and linked in the same transaction,
/// references added and removed with `mutate` (so concurrent writers to one column do not
/// overwrite each other), `wait` on every column read whose value the transaction relies on, and
/// `next_cfg` incremented so the caller can wait until ovs-vswitchd has applied it.
///
/// Port, Interface and Bridge rows are not root rows in the schema: ovsdb-server deletes them once
/// nothing refers to them, so removing a bridge from `Open_vSwitch.bridges` or a port from
/// `Bridge.ports` removes the rest. QoS rows are root rows and are deleted explicitly.
public struct VSwitchTransaction: Sendable, Hashable {
    public static let database = "Open_vSwitch"

    public var operations: [OVSDBOperation]
    /// The index of the select that reads `next_cfg` after the increment.
    public var nextCfgSelect: Int

    /// The `next_cfg` the transaction asked ovs-vswitchd to reach.
    public func nextCfg(in result: OVSDBTransactionResult) throws(OVSDBWireError) -> Int64 {
        guard let row = try result.rows(at: nextCfgSelect).first else {
            throw OVSDBWireError(.missingMember, "the Open_vSwitch row is gone", path: "result[\(nextCfgSelect)]")
        }
        return try OVSDBRowReader(table: OVSDBOpenVSwitchRow.table, uuid: nil, row: row).integer("next_cfg")
    }

    /// Ends `operations` the way every command does: `next_cfg += 1` on the root row, a select
    /// of the new value, and a comment for the database log.
    init(_ operations: [OVSDBOperation], root: OVSDBUUID, comment: String) {
        var operations = operations
        operations.append(.mutate(table: OVSDBOpenVSwitchRow.table, where: [.uuid(root)],
                                  mutations: [OVSDBMutation("next_cfg", .add, .integer(1))]))
        nextCfgSelect = operations.count
        operations.append(.select(table: OVSDBOpenVSwitchRow.table, where: [.uuid(root)], columns: ["next_cfg"]))
        operations.append(.comment("patchbay: \(comment)"))
        self.operations = operations
    }

    public var request: OVSDBRequest { .transact(database: Self.database, operations) }

    // MARK: - Bridges

    /// `ovs-vsctl add-br NAME -- set Bridge NAME datapath_type=... external_ids:...`: the bridge,
    /// its internal Port and Interface of the same name, and the bridge added to the root row. A
    /// bridge of that name created meanwhile makes the commit fail with "constraint violation"
    /// (the schema indexes Bridge, Port and Interface names).
    public static func createBridge(_ spec: OVSBridgeSpec, root: OVSDBUUID) -> VSwitchTransaction {
        let interface = OVSDBNamedUUID("interface")!, port = OVSDBNamedUUID("port")!, bridge = OVSDBNamedUUID("bridge")!
        return VSwitchTransaction([
            .insert(table: OVSDBInterfaceRow.table, row: ["name": .string(spec.name), "type": .string("internal")], uuidName: interface),
            .insert(table: OVSDBPortRow.table, row: ["name": .string(spec.name), "interfaces": .namedUUID(interface)], uuidName: port),
            .insert(table: OVSDBBridgeRow.table,
                    row: ["name": .string(spec.name), "datapath_type": .string(spec.datapathType),
                          "external_ids": .stringMap(spec.externalIDs), "ports": .namedUUID(port)],
                    uuidName: bridge),
            .mutate(table: OVSDBOpenVSwitchRow.table, where: [.uuid(root)], mutations: [OVSDBMutation("bridges", .insert, .namedUUID(bridge))]),
        ], root: root, comment: "add-br \(spec.name)")
    }

    /// `ovs-vsctl del-br NAME`: the bridge leaves the root row (its ports and interfaces go with
    /// it), and the QoS rows only its ports used are deleted. ovsdb-server checks references
    /// before it collects garbage, so the ports that refer to those rows (`clearingQoSOf`) are
    /// cleared first, as `ovs-vsctl -- clear Port P qos -- destroy QoS Q` does. The wait makes
    /// sure no port was added since `bridge` was read, so no QoS row is left behind.
    public static func deleteBridge(_ bridge: OVSDBBridgeRow, uuid: OVSDBUUID, root: OVSDBUUID, clearingQoSOf ports: [OVSDBUUID],
                                    deletingQoS qos: [OVSDBUUID]) -> VSwitchTransaction {
        var operations: [OVSDBOperation] = [
            .wait(OVSDBWait(table: OVSDBBridgeRow.table, where: [.uuid(uuid)], columns: ["ports"], until: .equal,
                            rows: [["ports": .uuids(bridge.ports)]], timeoutMilliseconds: 0)),
            .mutate(table: OVSDBOpenVSwitchRow.table, where: [.uuid(root)], mutations: [OVSDBMutation("bridges", .delete, .uuid(uuid))]),
        ]
        operations += ports.sorted().map { .update(table: OVSDBPortRow.table, where: [.uuid($0)], row: ["qos": .empty]) }
        operations += qos.sorted().map { .delete(table: OVSDBQoSRow.table, where: [.uuid($0)]) }
        return VSwitchTransaction(operations, root: root, comment: "del-br \(bridge.name)")
    }

    // MARK: - Ports

    /// The Interface columns a port spec sets (all but the immutable `name`).
    static func interfaceColumns(_ spec: OVSPortSpec) -> [String: OVSDBDatum] {
        ["type": .string(spec.interfaceType), "options": .stringMap(spec.options), "external_ids": .stringMap(spec.externalIDs),
         "ingress_policing_rate": .integer(Int64(spec.ingressPolicingRate)),
         "ingress_policing_burst": .integer(Int64(spec.ingressPolicingBurst))]
    }

    static func qosRow(_ qos: OVSQoS) -> OVSDBRow {
        ["type": .string(qos.type), "other_config": .stringMap(qos.otherConfig)]
    }

    /// `ovs-vsctl add-port BRIDGE NAME -- set Interface NAME type=... options:... external_ids:...
    /// ingress_policing_rate=... -- set Port NAME tag=... trunks=... vlan_mode=... qos=@q --
    /// --id=@q create QoS type=... other_config:...`, for a port that does not exist yet.
    public static func addPort(_ spec: OVSPortSpec, bridge: OVSDBUUID, bridgeName: String, root: OVSDBUUID) -> VSwitchTransaction {
        let interface = OVSDBNamedUUID("interface")!, port = OVSDBNamedUUID("port")!, qosName = OVSDBNamedUUID("qos")!
        var interfaceRow = OVSDBRow(interfaceColumns(spec))
        interfaceRow["name"] = .string(spec.name)
        var portRow = OVSDBRow(spec.vlan.portColumns)
        portRow["name"] = .string(spec.name)
        portRow["interfaces"] = .namedUUID(interface)
        var operations: [OVSDBOperation] = [.insert(table: OVSDBInterfaceRow.table, row: interfaceRow, uuidName: interface)]
        if let qos = spec.qos {
            operations.append(.insert(table: OVSDBQoSRow.table, row: qosRow(qos), uuidName: qosName))
            portRow["qos"] = .namedUUID(qosName)
        } else {
            portRow["qos"] = .empty
        }
        operations.append(.insert(table: OVSDBPortRow.table, row: portRow, uuidName: port))
        operations.append(.mutate(table: OVSDBBridgeRow.table, where: [.uuid(bridge)], mutations: [OVSDBMutation("ports", .insert, .namedUUID(port))]))
        return VSwitchTransaction(operations, root: root, comment: "add-port \(bridgeName) \(spec.name)")
    }

    /// What to do with the QoS row an existing port refers to.
    public enum ExistingQoS: Sendable, Hashable {
        /// The port has none.
        case none
        /// Only this port refers to it: it is updated in place (or deleted when the spec has no
        /// QoS), so ovs-vswitchd changes the shaping without removing it first.
        case exclusive(OVSDBUUID)
        /// Other ports refer to it too: this port gets a row of its own and the shared one stays.
        case shared(OVSDBUUID)
    }

    /// `ovs-vsctl --may-exist add-port BRIDGE NAME -- set ...` for a port that exists: every
    /// column of `spec` is set on it (and on its interface of the same name, made again if it
    /// is gone), the port is added to `bridge` if it is not there and removed from any other
    /// bridge that has it. The wait makes sure the port's interfaces and QoS are still those read.
    public static func repairPort(_ spec: OVSPortSpec, existing port: OVSDBPortRow, portUUID: OVSDBUUID, interface: OVSDBUUID?,
                                  qos: ExistingQoS, bridge: OVSDBUUID, bridgeName: String, otherBridges: [OVSDBUUID],
                                  onBridge: Bool, root: OVSDBUUID) -> VSwitchTransaction {
        var operations: [OVSDBOperation] = [
            .wait(OVSDBWait(table: OVSDBPortRow.table, where: [.uuid(portUUID)], columns: ["interfaces", "qos"], until: .equal,
                            rows: [["interfaces": .uuids(port.interfaces), "qos": .optional(port.qos.map(OVSDBAtom.uuid))]],
                            timeoutMilliseconds: 0)),
        ]
        var portRow = OVSDBRow(spec.vlan.portColumns)
        var after: [OVSDBOperation] = []
        if let interface {
            operations.append(.update(table: OVSDBInterfaceRow.table, where: [.uuid(interface)], row: OVSDBRow(interfaceColumns(spec))))
            portRow["interfaces"] = .uuid(interface)
        } else {
            let name = OVSDBNamedUUID("interface")!
            var row = OVSDBRow(interfaceColumns(spec))
            row["name"] = .string(spec.name)
            operations.append(.insert(table: OVSDBInterfaceRow.table, row: row, uuidName: name))
            portRow["interfaces"] = .namedUUID(name)
        }
        switch (qos, spec.qos) {
        case (.exclusive(let uuid), let wanted?):
            operations.append(.update(table: OVSDBQoSRow.table, where: [.uuid(uuid)], row: qosRow(wanted)))
            portRow["qos"] = .uuid(uuid)
        case (.exclusive(let uuid), nil):
            portRow["qos"] = .empty
            // References are checked at commit, after the port's update below cleared this one.
            after.append(.delete(table: OVSDBQoSRow.table, where: [.uuid(uuid)]))
        case (.none, let wanted?), (.shared, let wanted?):
            let name = OVSDBNamedUUID("qos")!
            operations.append(.insert(table: OVSDBQoSRow.table, row: qosRow(wanted), uuidName: name))
            portRow["qos"] = .namedUUID(name)
        case (.none, nil), (.shared, nil):
            portRow["qos"] = .empty
        }
        operations.append(.update(table: OVSDBPortRow.table, where: [.uuid(portUUID)], row: portRow))
        operations += after
        if !onBridge {
            operations.append(.mutate(table: OVSDBBridgeRow.table, where: [.uuid(bridge)], mutations: [OVSDBMutation("ports", .insert, .uuid(portUUID))]))
        }
        for other in otherBridges.sorted() where other != bridge {
            operations.append(.mutate(table: OVSDBBridgeRow.table, where: [.uuid(other)], mutations: [OVSDBMutation("ports", .delete, .uuid(portUUID))]))
        }
        return VSwitchTransaction(operations, root: root, comment: "--may-exist add-port \(bridgeName) \(spec.name)")
    }

    /// `ovs-vsctl del-port NAME`: the port leaves every bridge that has it (its interfaces go
    /// with it), and its QoS row is deleted when no other port uses it (the port's reference
    /// cleared first: ovsdb-server checks references before it collects the port).
    public static func deletePort(_ port: OVSDBPortRow, portUUID: OVSDBUUID, bridges: [OVSDBUUID], deletingQoS qos: OVSDBUUID?,
                                  root: OVSDBUUID) -> VSwitchTransaction {
        var operations: [OVSDBOperation] = [
            .wait(OVSDBWait(table: OVSDBPortRow.table, where: [.uuid(portUUID)], columns: ["qos"], until: .equal,
                            rows: [["qos": .optional(port.qos.map(OVSDBAtom.uuid))]], timeoutMilliseconds: 0)),
        ]
        for bridge in bridges.sorted() {
            operations.append(.mutate(table: OVSDBBridgeRow.table, where: [.uuid(bridge)], mutations: [OVSDBMutation("ports", .delete, .uuid(portUUID))]))
        }
        if let qos {
            // References are checked before the port is collected: clear it first.
            operations.append(.update(table: OVSDBPortRow.table, where: [.uuid(portUUID)], row: ["qos": .empty]))
            operations.append(.delete(table: OVSDBQoSRow.table, where: [.uuid(qos)]))
        }
        return VSwitchTransaction(operations, root: root, comment: "del-port \(port.name)")
    }

    // MARK: - Waiting for ovs-vswitchd

    /// A transaction that the server holds until ovs-vswitchd has applied configuration
    /// `nextCfg` (`cur_cfg` ≥ it), or fails with "timed out" after `timeoutMilliseconds`. This is
    /// what ovs-vsctl waits for unless `--no-wait`, said as one `wait` (RFC 7047 §5.2.6): the
    /// rows with `cur_cfg >= nextCfg`, cut to no columns, must be exactly one empty row.
    public static func waitForReconfiguration(root: OVSDBUUID, nextCfg: Int64, timeoutMilliseconds: Int64) -> OVSDBRequest {
        .transact(database: database, [
            .wait(OVSDBWait(table: OVSDBOpenVSwitchRow.table,
                            where: [.uuid(root), OVSDBCondition("cur_cfg", .greaterThanOrEqual, .integer(nextCfg))],
                            columns: [], until: .equal, rows: [OVSDBRow()], timeoutMilliseconds: timeoutMilliseconds)),
        ])
    }
}
