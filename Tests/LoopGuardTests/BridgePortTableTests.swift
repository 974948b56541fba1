import LoopGuard
import PatchbayModel
import Testing

/// The loop guard's table of bridge ports, as link events change it.
@Suite struct BridgePortTableTests {
    func port(_ index: Int32, _ state: BridgePortState = .forwarding, carrier: Bool = true) -> BridgePortStatus {
        BridgePortStatus(index: index, name: "vnet\(index)", state: state, carrier: carrier)
    }

    @Test func aDumpIsListedByBridgeInIndexOrder() {
        let table = BridgePortTable([(2, port(12)), (3, port(20)), (2, port(10))])
        #expect(table.ports(ofBridge: 2) == [port(10), port(12)])
        #expect(table.ports(ofBridge: 3) == [port(20)])
        #expect(table.ports(ofBridge: 4).isEmpty)
        #expect(table.portsByBridge == [2: [port(10), port(12)], 3: [port(20)]])
    }

    @Test func eventsChangeStateAndCarrierInPlace() {
        var table = BridgePortTable([(2, port(10)), (2, port(11, .disabled, carrier: false))])
        table.update(index: 11, as: (2, port(11, .forwarding, carrier: true)))
        table.update(index: 10, as: (2, port(10, .disabled)))
        #expect(table.ports(ofBridge: 2) == [port(10, .disabled), port(11)])
    }

    @Test func aPortThatMovesOrLeavesIsListedWhereItIsNow() {
        var table = BridgePortTable([(2, port(10)), (2, port(11))])
        table.update(index: 10, as: (3, port(10)))
        #expect(table.ports(ofBridge: 2) == [port(11)])
        #expect(table.ports(ofBridge: 3) == [port(10)])
        // Released from its bridge (an RTM_NEWLINK without a master), then deleted.
        table.update(index: 11, as: nil)
        #expect(table.ports(ofBridge: 2).isEmpty)
        #expect(table.portsByBridge.keys.sorted() == [3])
        table.remove(index: 10)
        #expect(table == BridgePortTable())
        // Events for devices that never were ports change nothing.
        table.remove(index: 99)
        table.update(index: 98, as: nil)
        #expect(table == BridgePortTable())
    }

    @Test func aNewPortAppearsWithItsFirstEvent() {
        var table = BridgePortTable()
        table.update(index: 10, as: (2, port(10, .disabled, carrier: false)))
        #expect(table.ports(ofBridge: 2) == [port(10, .disabled, carrier: false)])
    }
}
