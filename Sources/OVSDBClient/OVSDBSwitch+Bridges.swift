import OVSDBWire
import PatchbayModel

extension OVSDBSwitch {
    /// `ovs-vsctl add-br NAME -- set Bridge NAME datapath_type=TYPE external_ids:...`.
    public func createBridge(_ spec: OVSBridgeSpec) async throws(PatchbayError) {
        let what = "create Open vSwitch bridge \(spec.name)"
        let rows = try await select([Self.selectRoot, .select(table: OVSDBBridgeRow.table, where: [.name(spec.name)], columns: ["_uuid"])],
                                    doing: what)
        let root = try rootUUID(rows[0], doing: what)
        guard rows[1].isEmpty else { throw PatchbayError(.alreadyExists, "Open vSwitch already has a bridge named \(spec.name)") }
        let transaction = VSwitchTransaction.createBridge(spec, root: root)
        let result: OVSDBTransactionResult?
        do {
            result = try await commit(transaction, root: root, doing: what)
        } catch where error.code == .conflict {
            // The names are indexed: a bridge, port or interface of this name made meanwhile.
            throw PatchbayError(.alreadyExists, "cannot \(what): Open vSwitch already has a bridge, port or interface named \(spec.name)",
                                cause: error.cause)
        }
        if let result, (try? result.count(at: 3)) != 1 {
            throw PatchbayError(.conflict, "cannot \(what): the Open_vSwitch row went away during the transaction")
        }
        logger.info("created Open vSwitch bridge", metadata: ["bridge": "\(spec.name)", "datapath": "\(spec.datapathType)"])
    }

    /// `ovs-vsctl --if-exists del-br NAME`, and the QoS rows only its ports used.
    public func deleteBridge(named name: String) async throws(PatchbayError) {
        let what = "delete Open vSwitch bridge \(name)"
        let deleted: Bool = try await retryingStaleReads(doing: what) { () throws(PatchbayError) -> Bool? in
            let rows = try await select([Self.selectRoot, .select(table: OVSDBBridgeRow.table, where: [.name(name)], columns: OVSDBBridgeRow.columns)],
                                        doing: what)
            let root = try rootUUID(rows[0], doing: what)
            guard let row = rows[1].first else { return false }
            let bridge = try decode(what) { () throws(OVSDBWireError) in try OVSDBBridgeRow(row: row) }
            let ports = try await portRows(bridge.ports, doing: what)
            let qos = Set(ports.compactMap(\.qos))
            let users = try await qosUsers(qos, doing: what)
            let ours = Set(bridge.ports)
            let deletable = qos.filter { users[$0, default: []].isSubset(of: ours) }
            let clearing = ports.filter { $0.qos.map(deletable.contains) == true }.compactMap(\.uuid)
            let transaction = VSwitchTransaction.deleteBridge(bridge, uuid: bridge.uuid!, root: root, clearingQoSOf: clearing,
                                                              deletingQoS: Array(deletable))
            return try await commit(transaction, root: root, doing: what) == nil ? nil : true
        }
        if deleted { logger.info("deleted Open vSwitch bridge", metadata: ["bridge": "\(name)"]) }
    }
}
