import OVSDBWire
import PatchbayModel
import Testing

/// Patchbay's transactions against ovs-vsctl's: the captured ovs-vsctl sessions are replayed on
/// `MiniOVSDB` (with the UUIDs the real server gave the new rows, so each later session's waits
/// hold), and Patchbay's transaction for the same command, run on the same database, must leave
/// the same rows. Where they differ in how (Patchbay mutates `bridges` and `ports` where
/// ovs-vsctl rewrites them after a wait on every column it read), they agree in what.
@Suite struct VSwitchTransactionTests {
    static let root = OVSDBUUID("724aed22-55ef-4b04-bfc5-70eb2c2877af")!
    static let br0 = OVSDBUUID("2b512be0-eef4-4786-85d1-38f1f21e49a4")!
    static let br1 = OVSDBUUID("c93e6dea-f65a-4d69-b1f8-073ac576ac4f")!
    static let vnet0Port = OVSDBUUID("778e6dde-0f53-4dfb-a54c-9f8bf0e04479")!
    static let vnet0Interface = OVSDBUUID("520ea8d1-6ef0-4378-95bc-6c37fc73ea05")!
    static let qos = OVSDBUUID("f836f018-c160-4321-b131-0f2fa11b4e52")!
    static let owner = ["patchbay-owner": "patchbay:network:1f0c5a3e-0c55-4b8e-9d0e-3b2d7e9f1a10"]
    static let libvirt = ["attached-mac": "52:54:00:12:34:56", "iface-id": "8a3f7c2e-5b1d-4e6f-9a0b-1c2d3e4f5a6b",
                          "iface-status": "active", "vm-uuid": "4d1c2b3a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"]

    /// The database before the first session: what `ovs-vsctl add-br br0 -- set bridge br0
    /// datapath_type=netdev` had made.
    static func initial() -> MiniOVSDB {
        var db = MiniOVSDB()
        db.add("Open_vSwitch", root.string, ["bridges": .uuid(br0), "next_cfg": .integer(1), "cur_cfg": .integer(1)])
        db.add("Bridge", br0.string, ["name": .string("br0"), "datapath_type": .string("netdev"),
                                      "ports": .uuid(OVSDBUUID("ce04784c-e915-4b0d-ac89-8a9a4ef476f9")!)])
        db.add("Port", "ce04784c-e915-4b0d-ac89-8a9a4ef476f9", ["name": .string("br0"),
                                                               "interfaces": .uuid(OVSDBUUID("635802b2-5053-4f4d-ac7d-60b9e2c746cb")!)])
        db.add("Interface", "635802b2-5053-4f4d-ac7d-60b9e2c746cb", ["name": .string("br0"), "type": .string("internal")])
        return db
    }

    /// Replays a captured ovs-vsctl session's transaction, checking that it commits as it did.
    static func replay(_ session: String, on db: inout MiniOVSDB) throws {
        let operations = try Fixture.transaction(session)
        let real = try Fixture.transactionResult(session)
        let uuids = real.results.compactMap { result -> OVSDBUUID? in
            if case .uuid(let uuid)? = result { uuid } else { nil }
        }
        let result = db.transact(operations, insertUUIDs: uuids)
        #expect(result.firstError == nil, "\(session): \(String(describing: result.firstError))")
        #expect(result == real, "\(session) gave other results than the real server")
    }

    /// The database just before `session`, replaying every session before it.
    static func before(_ session: String) throws -> MiniOVSDB {
        var db = initial()
        for earlier in ["add-br", "add-port", "may-exist-add-port", "set-qos", "clear-qos", "del-port", "del-br"] {
            if earlier == session { return db }
            try replay(earlier, on: &db)
        }
        return db
    }

    /// Runs ovs-vsctl's transaction of `session` and Patchbay's `transaction` on the database as it
    /// was, and compares what each left.
    static func compare(_ session: String, _ transaction: (MiniOVSDB) throws -> VSwitchTransaction) throws {
        var theirs = try before(session)
        var ours = theirs
        try replay(session, on: &theirs)
        // The command changed something, so agreeing is not agreeing on nothing.
        #expect(theirs.canonical != ours.canonical)
        let mine = try transaction(ours)
        let result = ours.transact(mine.operations)
        #expect(result.firstError == nil, "\(session): \(String(describing: result.firstError))")
        #expect(ours.canonical == theirs.canonical, "\(session)")
        // next_cfg went up by one, and the select read it.
        #expect(try mine.nextCfg(in: result) == theirs["Open_vSwitch"][root]?["next_cfg"]?.atoms?.first?.integerValue)
    }

    @Test func createBridgeIsAddBr() throws {
        try Self.compare("add-br") { _ in
            VSwitchTransaction.createBridge(OVSBridgeSpec(name: "br1", datapathType: "netdev", externalIDs: Self.owner), root: Self.root)
        }
    }

    @Test func addPortIsAddPort() throws {
        try Self.compare("add-port") { _ in
            let spec = OVSPortSpec(name: "vnet0", externalIDs: Self.libvirt, vlan: OVSVLAN(tag: 10, trunks: [10, 20], mode: .nativeUntagged))
            return VSwitchTransaction.addPort(spec, bridge: Self.br1, bridgeName: "br1", root: Self.root)
        }
    }

    static func existing(_ db: MiniOVSDB) throws -> OVSDBPortRow {
        try OVSDBPortRow(uuid: vnet0Port, row: try #require(db["Port"][vnet0Port]))
    }

    @Test func repairPortIsMayExistAddPort() throws {
        try Self.compare("may-exist-add-port") { db in
            let spec = OVSPortSpec(name: "vnet0", externalIDs: Self.libvirt, vlan: OVSVLAN(tag: 30, trunks: [10, 20], mode: .nativeUntagged))
            return VSwitchTransaction.repairPort(spec, existing: try Self.existing(db), portUUID: Self.vnet0Port, interface: Self.vnet0Interface,
                                                 qos: .none, bridge: Self.br1, bridgeName: "br1", otherBridges: [], onBridge: true, root: Self.root)
        }
    }

    @Test func aQoSIsSetQoS() throws {
        try Self.compare("set-qos") { db in
            let spec = OVSPortSpec(name: "vnet0", externalIDs: Self.libvirt, vlan: OVSVLAN(tag: 30, trunks: [10, 20], mode: .nativeUntagged),
                                   qos: OVSQoS(type: "egress-policer", otherConfig: ["cir": "125000", "cbs": "12500"]))
            return VSwitchTransaction.repairPort(spec, existing: try Self.existing(db), portUUID: Self.vnet0Port, interface: Self.vnet0Interface,
                                                 qos: .none, bridge: Self.br1, bridgeName: "br1", otherBridges: [], onBridge: true, root: Self.root)
        }
    }

    @Test func noQoSIsClearAndDestroyQoS() throws {
        try Self.compare("clear-qos") { db in
            let spec = OVSPortSpec(name: "vnet0", externalIDs: Self.libvirt, vlan: OVSVLAN(tag: 30, trunks: [10, 20], mode: .nativeUntagged))
            return VSwitchTransaction.repairPort(spec, existing: try Self.existing(db), portUUID: Self.vnet0Port, interface: Self.vnet0Interface,
                                                 qos: .exclusive(Self.qos), bridge: Self.br1, bridgeName: "br1", otherBridges: [], onBridge: true,
                                                 root: Self.root)
        }
    }

    @Test func deletePortIsDelPort() throws {
        try Self.compare("del-port") { db in
            VSwitchTransaction.deletePort(try Self.existing(db), portUUID: Self.vnet0Port, bridges: [Self.br1], deletingQoS: nil, root: Self.root)
        }
    }

    @Test func deleteBridgeIsDelBr() throws {
        try Self.compare("del-br") { db in
            let bridge = try OVSDBBridgeRow(uuid: Self.br1, row: try #require(db["Bridge"][Self.br1]))
            return VSwitchTransaction.deleteBridge(bridge, uuid: Self.br1, root: Self.root, clearingQoSOf: [], deletingQoS: [])
        }
    }

    @Test func deletingAPortWithItsQoSClearsTheReferenceFirst() throws {
        var db = try Self.before("clear-qos")
        let port = try Self.existing(db)
        #expect(port.qos == Self.qos)
        let transaction = VSwitchTransaction.deletePort(port, portUUID: Self.vnet0Port, bridges: [Self.br1], deletingQoS: Self.qos, root: Self.root)
        #expect(db.transact(transaction.operations).firstError == nil)
        #expect(db["QoS"].isEmpty)
        #expect(db["Port"][Self.vnet0Port] == nil)
        #expect(db["Interface"][Self.vnet0Interface] == nil)

        // Without clearing it, ovsdb-server (and MiniOVSDB) refuse: references are checked
        // before the port is collected.
        var strict = try Self.before("clear-qos")
        let naive: [OVSDBOperation] = [
            .mutate(table: "Bridge", where: [.uuid(Self.br1)], mutations: [OVSDBMutation("ports", .delete, .uuid(Self.vnet0Port))]),
            .delete(table: "QoS", where: [.uuid(Self.qos)]),
        ]
        #expect(strict.transact(naive).firstError?.error.error == "referential integrity violation")
    }

    @Test func deletingABridgeWithQoSOnItsPorts() throws {
        var db = try Self.before("clear-qos")
        let bridge = try OVSDBBridgeRow(uuid: Self.br1, row: try #require(db["Bridge"][Self.br1]))
        let transaction = VSwitchTransaction.deleteBridge(bridge, uuid: Self.br1, root: Self.root, clearingQoSOf: [Self.vnet0Port],
                                                          deletingQoS: [Self.qos])
        #expect(db.transact(transaction.operations).firstError == nil)
        #expect(db["QoS"].isEmpty)
        #expect(db["Bridge"].keys.sorted() == [Self.br0])
        #expect(db["Port"].count == 1)
        #expect(db["Interface"].count == 1)
        #expect(db.canonical == Self.initial().canonical.merging(["Open_vSwitch": db.canonical["Open_vSwitch"]!]) { $1 })
    }

    @Test func aStaleReadFailsTheFirstWait() throws {
        var db = try Self.before("may-exist-add-port")
        var port = try Self.existing(db)
        // Read before someone gave the port another interface.
        port.interfaces = [OVSDBUUID("00000000-0000-0000-0000-000000000001")!]
        let spec = OVSPortSpec(name: "vnet0")
        let transaction = VSwitchTransaction.repairPort(spec, existing: port, portUUID: Self.vnet0Port, interface: Self.vnet0Interface, qos: .none,
                                                        bridge: Self.br1, bridgeName: "br1", otherBridges: [], onBridge: true, root: Self.root)
        let before = db.canonical
        let failure = try #require(db.transact(transaction.operations).firstError)
        #expect(failure.index == 0)
        #expect(failure.error.error == "timed out")
        #expect(db.canonical == before)
    }

    @Test func aPortMovesBetweenBridges() throws {
        var db = try Self.before("may-exist-add-port")
        let spec = OVSPortSpec(name: "vnet0", externalIDs: Self.libvirt)
        let transaction = VSwitchTransaction.repairPort(spec, existing: try Self.existing(db), portUUID: Self.vnet0Port, interface: Self.vnet0Interface,
                                                        qos: .none, bridge: Self.br0, bridgeName: "br0", otherBridges: [Self.br1], onBridge: false,
                                                        root: Self.root)
        #expect(db.transact(transaction.operations).firstError == nil)
        #expect(db["Bridge"][Self.br0]?["ports"]?.atoms?.contains(.uuid(Self.vnet0Port)) == true)
        #expect(db["Bridge"][Self.br1]?["ports"]?.atoms?.contains(.uuid(Self.vnet0Port)) == false)
        #expect(db["Port"][Self.vnet0Port]?["tag"] == .empty)
    }

    @Test func aPortWhoseInterfaceWentGetsOne() throws {
        var db = try Self.before("may-exist-add-port")
        // Someone renamed the port's interface behind Patchbay's back: no interface of the
        // port's name is on it now.
        db.tables["Interface"]![Self.vnet0Interface]!["name"] = .string("vnetx")
        let spec = OVSPortSpec(name: "vnet0", interfaceType: "dpdkvhostuserclient", options: ["vhost-server-path": "/run/vhost/vnet0.sock"])
        let transaction = VSwitchTransaction.repairPort(spec, existing: try Self.existing(db), portUUID: Self.vnet0Port, interface: nil, qos: .none,
                                                        bridge: Self.br1, bridgeName: "br1", otherBridges: [], onBridge: true, root: Self.root)
        #expect(db.transact(transaction.operations).firstError == nil)
        let interface = try #require(db["Interface"].values.first { $0["name"] == .string("vnet0") })
        #expect(interface["type"] == .string("dpdkvhostuserclient"))
        #expect(interface["options"] == .stringMap(["vhost-server-path": "/run/vhost/vnet0.sock"]))
        #expect(db["Port"][Self.vnet0Port]?["interfaces"]?.atoms?.count == 1)
        // The renamed one was the port's only reference to it: collected.
        #expect(!db["Interface"].values.contains { $0["name"] == .string("vnetx") })
    }

    @Test func anInterfaceOfThePortsNameOnAnotherPortIsAConflict() throws {
        var db = try Self.before("may-exist-add-port")
        // vnet0's interface now belongs to a port "other" on br0, and vnet0 has an interface vnetx.
        let other = OVSDBUUID("00000000-0000-0000-0000-000000000003")!, vnetx = OVSDBUUID("00000000-0000-0000-0000-000000000004")!
        db.add("Port", other.string, ["name": .string("other"), "interfaces": .uuid(Self.vnet0Interface)])
        db.add("Interface", vnetx.string, ["name": .string("vnetx")])
        db.tables["Port"]![Self.vnet0Port]!["interfaces"] = .uuid(vnetx)
        db.tables["Bridge"]![Self.br0]!["ports"] = .uuids([OVSDBUUID("ce04784c-e915-4b0d-ac89-8a9a4ef476f9")!, other])
        let transaction = VSwitchTransaction.repairPort(OVSPortSpec(name: "vnet0"), existing: try Self.existing(db), portUUID: Self.vnet0Port,
                                                        interface: nil, qos: .none, bridge: Self.br1, bridgeName: "br1", otherBridges: [],
                                                        onBridge: true, root: Self.root)
        let failure = try #require(db.transact(transaction.operations).firstError)
        #expect(failure.index == transaction.operations.count)
        #expect(failure.error.error == "constraint violation")
        #expect(failure.error.isConflict)
    }

    @Test func waitingForOVSVswitchdIsTheRequestTheServerAccepted() throws {
        // Patchbay's wait for cur_cfg, written by hand for the captured session and accepted
        // there ([{},{}]), is what waitForReconfiguration writes (the comment aside).
        let captured = try Fixture.transaction("transact-wait-cur-cfg")
        let ours = VSwitchTransaction.waitForReconfiguration(root: Self.root, nextCfg: 1, timeoutMilliseconds: 1000)
        guard case .wait(let wait) = try OVSDBOperation(json: ours.params[1]), case .wait(let theirs) = captured[0] else {
            Issue.record("not a wait"); return
        }
        #expect(wait.table == theirs.table)
        #expect(wait.columns == theirs.columns)
        #expect(wait.rows == theirs.rows)
        #expect(wait.until == theirs.until)
        #expect(wait.timeoutMilliseconds == theirs.timeoutMilliseconds)
        #expect(wait.conditions.last == theirs.conditions.last)
        // And it holds in MiniOVSDB once cur_cfg is there, not before.
        var db = Self.initial()
        let reconfigured = try OVSDBOperation(json: ours.params[1])
        #expect(db.transact([reconfigured]).firstError == nil)
        let later = VSwitchTransaction.waitForReconfiguration(root: Self.root, nextCfg: 2, timeoutMilliseconds: 0)
        #expect(db.transact([try OVSDBOperation(json: later.params[1])]).firstError?.error.error == "timed out")
    }

    @Test func theSelectIncludesPatchbayUsesIsTheOneTheServerAccepted() throws {
        let captured = try Fixture.transaction("transact-select-includes")
        let ours = OVSDBOperation.select(table: "Interface", where: [OVSDBCondition("external_ids", .includes, .stringMap(["iface-id": "nosuch"]))],
                                         columns: ["name"])
        #expect(captured == [ours])
    }

    @Test func commentsNameTheCommand() {
        let transaction = VSwitchTransaction.createBridge(OVSBridgeSpec(name: "br1", datapathType: "netdev"), root: Self.root)
        #expect(transaction.operations.last == .comment("patchbay: add-br br1"))
        #expect(transaction.request.method == "transact")
        #expect(transaction.request.params.first == "Open_vSwitch")
        #expect(transaction.operations.count == 7)
        #expect(transaction.nextCfgSelect == 5)
    }
}
