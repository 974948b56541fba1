import DHCPServer
import DHCPWire
import PatchbayModel
import Testing

/// The per-port limit: one origin cannot hold more than its share of the pool.
@Suite struct DHCPPortLimitTests {
    static let xml = """
        <network>
          <name>lab</name>
          <bridge name='pblimit0'/>
          <ip address='10.9.0.1' netmask='255.255.255.0'>
            <dhcp>
              <range start='10.9.0.100' end='10.9.0.199'/>
              <host mac='52:54:00:00:00:aa' ip='10.9.0.10'/>
            </dhcp>
          </ip>
        </network>
        """

    static func mac(_ n: Int) -> String { "52:54:00:01:00:" + String(format: "%02x", n) }

    static func core(limit: Int) throws -> DHCPServerCore {
        DHCPServerCore(pool: try DHCPServerCoreTests.pool(xml), leases: [], maxClientsPerOrigin: limit)
    }

    @Test func aFloodingPortGetsItsShareAndTheRestStaysForOthers() throws {
        var core = try Self.core(limit: 3)
        let flooder = DHCPOrigin.port(7)
        var offered = 0
        for n in 0..<20 {
            if core.handle(DHCPServerCoreTests.request(.discover, mac: Self.mac(n)), now: 100, origin: flooder).reply != nil {
                offered += 1
            }
        }
        #expect(offered == 3)
        // Another port is served.
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: Self.mac(99)), now: 100, origin: .port(8)).reply != nil)
        // The reserved host is served even from the full port.
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: "52:54:00:00:00:aa"), now: 100, origin: flooder).reply != nil)
        // A client already holding an offer gets it again, and may request it.
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: Self.mac(0)), now: 101, origin: flooder).reply != nil)
    }

    @Test func requestsWithoutADiscoverAreCountedToo() throws {
        var core = try Self.core(limit: 2)
        var acked = 0
        for n in 0..<10 {
            let address = IPv4Address(10, 9, 0, UInt8(100 + n))
            let select = DHCPServerCoreTests.request(.request, mac: Self.mac(n)) {
                $0.options.setAddress(DHCPOptionCode.serverIdentifier, IPv4Address(10, 9, 0, 1))
                $0.options.setAddress(DHCPOptionCode.requestedIPAddress, address)
            }
            let outcome = core.handle(select, now: 100, origin: .port(9))
            if outcome.reply?.messageType == .ack { acked += 1 }
        }
        #expect(acked == 2)
    }

    @Test func lapsedOffersAndEndedLeasesFreeTheShare() throws {
        var core = try Self.core(limit: 2)
        let port = DHCPOrigin.port(3)
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: Self.mac(1)), now: 100, origin: port).reply != nil)
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: Self.mac(2)), now: 100, origin: port).reply != nil)
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: Self.mac(3)), now: 100, origin: port).reply == nil)
        // Offers are held for a minute; after that they no longer count.
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: Self.mac(3)), now: 200, origin: port).reply != nil)
    }

    @Test func noLimitWhenZeroOrOriginUnknown() throws {
        var unlimited = try Self.core(limit: 0)
        var limited = try Self.core(limit: 1)
        for n in 0..<10 {
            #expect(unlimited.handle(DHCPServerCoreTests.request(.discover, mac: Self.mac(n)), now: 100, origin: .port(1)).reply != nil)
            #expect(limited.handle(DHCPServerCoreTests.request(.discover, mac: Self.mac(n)), now: 100, origin: nil).reply != nil)
        }
    }
}
