import OVSDBWire
import PatchbayModel

extension OVSDBSwitch {
    /// `ovs-vsctl --may-exist add-port BRIDGE NAME -- set Interface NAME ... -- set Port NAME ...`:
    /// a new port, or every column of `spec` set again on the port of that name (moved to
    /// `bridge` if another bridge has it).
    public func addPort(bridge bridgeName: String, _ spec: OVSPortSpec) async throws(PatchbayError) {
        let what = "add port \(spec.name) to Open vSwitch bridge \(bridgeName)"
        _ = try await retryingStaleReads(doing: what) { () throws(PatchbayError) -> Bool? in
            let rows = try await select([
                Self.selectRoot,
                .select(table: OVSDBBridgeRow.table, where: [], columns: ["_uuid", "name", "ports"]),
                .select(table: OVSDBPortRow.table, where: [.name(spec.name)], columns: OVSDBPortRow.columns),
                .select(table: OVSDBInterfaceRow.table, where: [.name(spec.name)], columns: ["_uuid"]),
            ], doing: what)
            let root = try rootUUID(rows[0], doing: what)
            let (bridges, port, interface) = try decode(what) { () throws(OVSDBWireError) in
                (try rows[1].decoded(as: OVSDBBridgeRow.self), try rows[2].decoded(as: OVSDBPortRow.self).first,
                 try rows[3].uuids(in: OVSDBInterfaceRow.table).first)
            }
            guard let bridge = bridges.first(where: { $0.name == bridgeName }), let bridgeUUID = bridge.uuid else {
                throw PatchbayError(.notFound, "cannot \(what): Open vSwitch has no bridge named \(bridgeName)")
            }
            guard let port, let portUUID = port.uuid else {
                let transaction = VSwitchTransaction.addPort(spec, bridge: bridgeUUID, bridgeName: bridgeName, root: root)
                return try await commit(transaction, root: root, doing: what) == nil ? nil : true
            }
            var qos = VSwitchTransaction.ExistingQoS.none
            if let uuid = port.qos {
                let users = try await qosUsers([uuid], doing: what)
                qos = users[uuid, default: []].subtracting([portUUID]).isEmpty ? .exclusive(uuid) : .shared(uuid)
            }
            let holders = bridges.filter { $0.ports.contains(portUUID) }.compactMap(\.uuid)
            let transaction = VSwitchTransaction.repairPort(
                spec, existing: port, portUUID: portUUID, interface: interface.flatMap { port.interfaces.contains($0) ? $0 : nil },
                qos: qos, bridge: bridgeUUID, bridgeName: bridgeName, otherBridges: holders.filter { $0 != bridgeUUID },
                onBridge: holders.contains(bridgeUUID), root: root)
            logger.debug("Open vSwitch port exists; setting its columns again", metadata: ["port": "\(spec.name)", "bridge": "\(bridgeName)"])
            return try await commit(transaction, root: root, doing: what) == nil ? nil : true
        }
        logger.info("added Open vSwitch port", metadata: ["port": "\(spec.name)", "bridge": "\(bridgeName)"])
    }

    /// `ovs-vsctl --if-exists del-port NAME`, and its QoS row when no other port uses it.
    public func deletePort(named name: String) async throws(PatchbayError) {
        let what = "delete Open vSwitch port \(name)"
        let deleted: Bool = try await retryingStaleReads(doing: what) { () throws(PatchbayError) -> Bool? in
            let rows = try await select([
                Self.selectRoot,
                .select(table: OVSDBPortRow.table, where: [.name(name)], columns: OVSDBPortRow.columns),
                .select(table: OVSDBBridgeRow.table, where: [], columns: ["_uuid", "name", "ports"]),
            ], doing: what)
            let root = try rootUUID(rows[0], doing: what)
            guard let row = rows[1].first else { return false }
            let (port, bridges) = try decode(what) { () throws(OVSDBWireError) in
                (try OVSDBPortRow(row: row), try rows[2].decoded(as: OVSDBBridgeRow.self))
            }
            let portUUID = port.uuid!
            let holders = bridges.filter { $0.ports.contains(portUUID) }
            if let local = holders.first(where: { $0.name == name }) {
                // As ovs-vsctl refuses it: without its local port the bridge has no device.
                throw PatchbayError(.operationInvalid, "cannot \(what): it is the local port of bridge \(local.name); delete the bridge instead")
            }
            var deletable: OVSDBUUID?
            if let qos = port.qos {
                let users = try await qosUsers([qos], doing: what)
                if users[qos, default: []].subtracting([portUUID]).isEmpty { deletable = qos }
            }
            let transaction = VSwitchTransaction.deletePort(port, portUUID: portUUID, bridges: holders.compactMap(\.uuid),
                                                            deletingQoS: deletable, root: root)
            return try await commit(transaction, root: root, doing: what) == nil ? nil : true
        }
        if deleted { logger.info("deleted Open vSwitch port", metadata: ["port": "\(name)"]) }
    }
}
