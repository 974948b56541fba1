import OVSDBWire
import PatchbayModel
import Testing

/// Monitor replies and `update` notifications (RFC 7047 §4.1.5, §4.1.6), from ovsdb-client's
/// monitor session: the initial rows, then a port added (insert), opened by ovs-vswitchd
/// (modify) and deleted (delete).
@Suite struct OVSDBTableUpdatesTests {
    static let vnet0 = OVSDBUUID("e3bb082b-7bab-4ed3-9654-5cf40d96a14d")!

    func notifications() throws -> [OVSDBUpdateNotification] {
        try Fixture.messages("client-monitor", .server).compactMap { message in
            guard case .notification("update", let params) = message else { return nil }
            return try OVSDBUpdateNotification(params: params)
        }
    }

    @Test func theMonitorReplyHoldsTheInitialRows() throws {
        guard case .response(let result, _) = try Fixture.exchange("client-monitor", method: "monitor").reply else {
            Issue.record("no reply"); return
        }
        let updates = try OVSDBTableUpdates(json: result)
        let rows = updates["Interface"]
        #expect(rows.count == 1)
        let (uuid, update) = try #require(rows.first)
        #expect(uuid == OVSDBUUID("635802b2-5053-4f4d-ac7d-60b9e2c746cb"))
        #expect(update.kind == .insert)
        let interface = try OVSDBInterfaceRow(uuid: uuid, row: try #require(update.new))
        #expect(interface.name == "br0")
        #expect(interface.ofport == 65534)
        #expect(interface.linkState == "down")
        #expect(interface.error == nil)
        #expect(interface.externalIDs == [:])
        #expect(updates.json == result)
    }

    @Test func insertModifyDelete() throws {
        let updates = try notifications()
        #expect(updates.count == 3)
        #expect(updates.allSatisfy { $0.monitorID == nil })
        let kinds = updates.map { $0.updates["Interface"][Self.vnet0]?.kind }
        #expect(kinds == [.insert, .modify, .delete])

        let inserted = try OVSDBInterfaceRow(uuid: Self.vnet0, row: try #require(updates[0].updates["Interface"][Self.vnet0]?.new))
        #expect(inserted.name == "vnet0")
        #expect(inserted.ofport == nil)
        #expect(inserted.externalIDs == ["iface-id": "x"])

        // A modify has every monitored column in new, and the old values of those that changed.
        let modify = try #require(updates[1].updates["Interface"][Self.vnet0])
        #expect(modify.old == ["ofport": .empty, "link_state": .empty])
        let opened = try OVSDBInterfaceRow(uuid: Self.vnet0, row: try #require(modify.new))
        #expect(opened.ofport == 1)
        #expect(opened.linkState == "down")

        let deleted = try #require(updates[2].updates["Interface"][Self.vnet0])
        #expect(deleted.new == nil)
        #expect(try OVSDBInterfaceRow(uuid: Self.vnet0, row: try #require(deleted.old)).name == "vnet0")
        for update in updates {
            #expect(try OVSDBUpdateNotification(params: update.message.json["params"]!.arrayValue!) == update)
        }
    }

    @Test func malformedUpdatesAreRefused() throws {
        let refused: [(String, String)] = [
            (#"{"Interface":{"nope":{"new":{}}}}"#, "Interface.nope"),
            (#"{"Interface":{"e3bb082b-7bab-4ed3-9654-5cf40d96a14d":{}}}"#, "Interface.e3bb082b-7bab-4ed3-9654-5cf40d96a14d"),
            (#"{"Interface":{"e3bb082b-7bab-4ed3-9654-5cf40d96a14d":{"new":{},"initial":{}}}}"#,
             "Interface.e3bb082b-7bab-4ed3-9654-5cf40d96a14d.initial"),
            (#"{"Interface":{"e3bb082b-7bab-4ed3-9654-5cf40d96a14d":{"new":[]}}}"#, "Interface.e3bb082b-7bab-4ed3-9654-5cf40d96a14d.new"),
            (#"{"Interface":[]}"#, "Interface"),
            (#"[]"#, ""),
        ]
        for (text, path) in refused {
            do {
                let updates = try OVSDBTableUpdates(json: JSONParser.parse(text))
                Issue.record("\(text) read as \(updates)")
            } catch {
                #expect(error.location == .path(path), "\(text): \(error)")
            }
        }
        #expect(throws: OVSDBWireError.self) { try OVSDBUpdateNotification(params: [nil]) }
        #expect(throws: OVSDBWireError.self) { try OVSDBUpdateNotification(params: [nil, [], nil]) }
        #expect(try OVSDBTableUpdates(json: [:]).isEmpty)
        #expect(try OVSDBTableUpdates(json: ["Port": [:]]).isEmpty)
    }
}

/// The typed rows and the model types the engine gets, from what the captured sessions selected.
@Suite struct OVSDBTypedRowTests {
    @Test func theOpenVSwitchRowAsTheEngineSeesIt() throws {
        let row = try #require(try Fixture.transactionResult("transact-select-open-vswitch").rows(at: 0).first)
        let root = try OVSDBOpenVSwitchRow(row: row)
        #expect(root.uuid == OVSDBUUID("724aed22-55ef-4b04-bfc5-70eb2c2877af"))
        #expect(root.bridges == [OVSDBUUID("2b512be0-eef4-4786-85d1-38f1f21e49a4")!])
        #expect(root.curCfg == 10)
        #expect(root.nextCfg == 10)
        #expect(root.dpdkVersion == "none")
        let system = OVSSystem(root)
        #expect(system.version == nil)
        #expect(system.datapathTypes == ["netdev", "system"])
        #expect(system.interfaceTypes.contains("internal"))
        #expect(system.interfaceTypes.contains("afxdp"))
        #expect(system.dpdkInitialized == false)
        #expect(system.dpdkVersion == nil)
        var dpdk = root
        dpdk.dpdkVersion = "DPDK 22.11.11"
        dpdk.ovsVersion = "3.1.0"
        #expect(OVSSystem(dpdk).dpdkVersion == "DPDK 22.11.11")
        #expect(OVSSystem(dpdk).version == "3.1.0")
    }

    @Test func bridgeAndPortRows() throws {
        guard case .response(let json, _) = try Fixture.exchange("echo-and-errors", method: "transact", occurrence: 1).reply else {
            Issue.record("no reply"); return
        }
        let result = try OVSDBTransactionResult(json: json)
        let bridge = try #require(try result.rows(at: 0).decoded(as: OVSDBBridgeRow.self).first)
        #expect(bridge.name == "br0")
        #expect(bridge.datapathType == "netdev")
        #expect(bridge.ports == [OVSDBUUID("ce04784c-e915-4b0d-ac89-8a9a4ef476f9")!])
        let port = try #require(try result.rows(at: 1).decoded(as: OVSDBPortRow.self).first)
        #expect(port.name == "br0")
        #expect(port.tag == nil)
        #expect(port.trunks == [])
        #expect(port.vlanMode == nil)
        #expect(port.qos == nil)
        #expect(port.interfaces == [OVSDBUUID("635802b2-5053-4f4d-ac7d-60b9e2c746cb")!])
        let state = OVSBridgeState(bridge, ports: [try OVSPortState(port: port, interface: nil, qos: nil)])
        #expect(state.uuid == "2b512be0-eef4-4786-85d1-38f1f21e49a4")
        #expect(state.ports.first?.vlan == OVSVLAN.none)
    }

    /// ovs-vsctl's `list Interface vnet0` reads the row through monitor_cond_since, whose reply
    /// (RFC 7047 as extended by ovsdb-server(5): `initial` rows) holds every column.
    func listedRow(_ session: String, table: String) throws -> (OVSDBUUID, OVSDBRow) {
        guard case .response(let result, _) = try Fixture.exchange(session, method: "monitor_cond_since").reply,
              case .object(let rows)? = result.arrayValue?[2][table] else {
            throw OVSDBWireError(.missingMember, "no \(table) rows", path: session)
        }
        for (key, value) in rows {
            let row = try OVSDBRow(json: try #require(value["initial"]))
            if row["name"] == .string("vnet0") { return (OVSDBUUID(key)!, row) }
        }
        throw OVSDBWireError(.missingMember, "no vnet0", path: session)
    }

    @Test func aTAPsInterfaceAndPortWithLibvirtsExternalIDs() throws {
        let (uuid, row) = try listedRow("list-interface", table: "Interface")
        let interface = try OVSDBInterfaceRow(uuid: uuid, row: row)
        #expect(interface.externalIDs == ["attached-mac": "52:54:00:12:34:56", "iface-id": "8a3f7c2e-5b1d-4e6f-9a0b-1c2d3e4f5a6b",
                                          "iface-status": "active", "vm-uuid": "4d1c2b3a-9e8f-4a7b-8c6d-5e4f3a2b1c0d"])
        #expect(interface.type == "")
        #expect(interface.ofport == 1)
        #expect(interface.adminState == "up")
        #expect(interface.linkState == "down")
        #expect(interface.macInUse == "56:7f:cc:45:e2:60")
        #expect(interface.statistics["rx_packets"] == 0)
        #expect(interface.statistics.count == 14)
        #expect(interface.error == nil)

        let (portUUID, portRow) = try listedRow("list-port", table: "Port")
        let port = try OVSDBPortRow(uuid: portUUID, row: portRow)
        #expect(port.tag == 30)
        #expect(port.trunks == [10, 20])
        #expect(port.vlanMode == "native-untagged")
        #expect(port.qos == OVSDBUUID("f836f018-c160-4321-b131-0f2fa11b4e52"))

        let qos = OVSDBQoSRow(uuid: port.qos, type: "egress-policer", otherConfig: ["cir": "125000", "cbs": "12500"])
        let state = try OVSPortState(port: port, interface: interface, qos: qos)
        #expect(state.name == "vnet0")
        #expect(state.vlan == OVSVLAN(tag: 30, trunks: [10, 20], mode: .nativeUntagged))
        #expect(state.qos == OVSQoS(type: "egress-policer", otherConfig: ["cir": "125000", "cbs": "12500"]))
        #expect(state.ofport == 1)
        #expect(state.error == nil)
        #expect(state.externalIDs["iface-status"] == "active")
        #expect(state.macInUse == "56:7f:cc:45:e2:60")
    }

    @Test func vlanColumnsBothWays() throws {
        let vlan = OVSVLAN(tag: 10, trunks: [20, 10], mode: .nativeTagged)
        #expect(OVSDBRow(vlan.portColumns).json.text == #"{"tag":10,"trunks":["set",[10,20]],"vlan_mode":"native-tagged"}"#)
        #expect(OVSDBRow(OVSVLAN.none.portColumns).json.text == #"{"tag":["set",[]],"trunks":["set",[]],"vlan_mode":["set",[]]}"#)
        let port = OVSDBPortRow(name: "p", tag: 10, trunks: [20, 10], vlanMode: "native-tagged")
        #expect(try OVSVLAN(port) == OVSVLAN(tag: 10, trunks: [10, 20], mode: .nativeTagged))
        // A mode the model has no case for reads as none; a VLAN outside 0-4095 is refused.
        #expect(try OVSVLAN(OVSDBPortRow(name: "p", vlanMode: "dot1q-tunnel")).mode == nil)
        #expect(throws: OVSDBWireError.self) { try OVSVLAN(OVSDBPortRow(name: "p", tag: 4096)) }
        #expect(throws: OVSDBWireError.self) { try OVSVLAN(OVSDBPortRow(name: "p", trunks: [-1])) }
    }

    @Test func thePortsInterfaceIsTheOneOfItsName() {
        let a = OVSDBUUID("00000000-0000-0000-0000-00000000000a")!, b = OVSDBUUID("00000000-0000-0000-0000-00000000000b")!
        let interfaces = [a: OVSDBInterfaceRow(uuid: a, name: "bond0-a"), b: OVSDBInterfaceRow(uuid: b, name: "bond0")]
        #expect(OVSPortState.primaryInterface(of: OVSDBPortRow(name: "bond0", interfaces: [a, b]), among: interfaces)?.name == "bond0")
        #expect(OVSPortState.primaryInterface(of: OVSDBPortRow(name: "x", interfaces: [a, b]), among: interfaces)?.name == "bond0-a")
        #expect(OVSPortState.primaryInterface(of: OVSDBPortRow(name: "x", interfaces: []), among: interfaces) == nil)
    }
}
