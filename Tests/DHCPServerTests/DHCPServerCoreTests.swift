import DHCPServer
import DHCPWire
import Foundation
import LibvirtXML
import PatchbayModel
import Testing

/// The server's rules, request by request, without sockets: RFC 2131 §4.3's decisions and
/// §4.1's reply addressing.
@Suite struct DHCPServerCoreTests {
    static let networkXML = """
        <network>
          <name>default</name>
          <forward mode='nat'/>
          <bridge name='virbr0'/>
          <mtu size='9000'/>
          <domain name='example.test'/>
          <ip address='192.168.122.1' netmask='255.255.255.0'>
            <dhcp>
              <range start='192.168.122.100' end='192.168.122.102'/>
              <range start='192.168.122.150' end='192.168.122.150'>
                <lease expiry='2' unit='hours'/>
              </range>
              <host mac='52:54:00:00:00:aa' name='db' ip='192.168.122.10'>
                <lease expiry='0'/>
              </host>
              <host name='web' ip='192.168.122.11'/>
            </dhcp>
          </ip>
          <route address='10.20.0.0' prefix='16' gateway='192.168.122.2'/>
        </network>
        """

    static func pool(_ xml: String = networkXML) throws -> DHCPPool {
        try #require(DHCPPool(network: NetworkXML.read(xml).definition))
    }

    static let server = IPv4Address("192.168.122.1")!

    static func request(_ type: DHCPMessageType, mac: String = "52:54:00:12:34:56", xid: UInt32 = 7,
                        _ configure: (inout DHCPMessage) -> Void = { _ in }) -> DHCPMessage {
        var message = DHCPMessage(op: DHCPMessage.bootRequest, xid: xid)
        message.setClientMAC(MACAddress(mac)!)
        message.options.messageType = type
        configure(&message)
        return message
    }

    static func select(_ address: IPv4Address, mac: String = "52:54:00:12:34:56") -> DHCPMessage {
        request(.request, mac: mac) {
            $0.options.setAddress(DHCPOptionCode.serverIdentifier, server)
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, address)
        }
    }

    @Test func discoverOffersTheFirstFreeAddressWithTheNetworksOptions() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let outcome = core.handle(Self.request(.discover), now: 1000)
        let offer = try #require(outcome.reply)
        #expect(offer.messageType == .offer)
        #expect(offer.op == DHCPMessage.bootReply)
        #expect(offer.xid == 7)
        #expect(offer.yiaddr == IPv4Address("192.168.122.100"))
        #expect(offer.options.address(DHCPOptionCode.serverIdentifier) == Self.server)
        #expect(offer.options.address(DHCPOptionCode.subnetMask) == IPv4Address("255.255.255.0"))
        #expect(offer.options.addresses(DHCPOptionCode.router) == [Self.server])
        #expect(offer.options.addresses(DHCPOptionCode.domainNameServer) == [Self.server])
        #expect(offer.options.string(DHCPOptionCode.domainName) == "example.test")
        #expect(offer.options.uint16(DHCPOptionCode.interfaceMTU) == 9000)
        #expect(offer.options.address(DHCPOptionCode.broadcastAddress) == IPv4Address("192.168.122.255"))
        #expect(offer.options.uint32(DHCPOptionCode.leaseTime) == 3600)
        #expect(offer.options.uint32(DHCPOptionCode.renewalTime) == 1800)
        #expect(offer.options.uint32(DHCPOptionCode.rebindingTime) == 3150)
        // Option 121 carries the default route too (RFC 3442), then the network's <route>.
        #expect(offer.options[DHCPOptionCode.classlessStaticRoute] == [0, 192, 168, 122, 1, 16, 10, 20, 192, 168, 122, 2])
        #expect(outcome.upserts.isEmpty)  // an offer is not a lease
        #expect(outcome.destination == .hardware(IPv4Address("192.168.122.100")!, MACAddress("52:54:00:12:34:56")!))
    }

    @Test func theParameterRequestListChoosesAndOrdersOptions() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let offer = try #require(core.handle(Self.request(.discover) { $0.options[DHCPOptionCode.parameterRequestList] = [6, 3, 26] }, now: 0).reply)
        #expect(offer.options.codes == [53, 54, 51, 58, 59, 6, 3, 26])
    }

    @Test func selectingAcksAndRecordsTheLease() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        _ = core.handle(Self.request(.discover), now: 1000)
        let outcome = core.handle(Self.select(IPv4Address("192.168.122.100")!), now: 1001)
        let ack = try #require(outcome.reply)
        #expect(ack.messageType == .ack)
        #expect(ack.yiaddr == IPv4Address("192.168.122.100"))
        #expect(outcome.upserts == [DHCPLease(network: "default", mac: MACAddress("52:54:00:12:34:56")!, ip: IPv4Address("192.168.122.100")!,
                                              expiresAt: 4601)])
    }

    @Test func concurrentDiscoversGetDifferentAddresses() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let a = core.handle(Self.request(.discover, mac: "52:54:00:00:00:01"), now: 0).reply?.yiaddr
        let b = core.handle(Self.request(.discover, mac: "52:54:00:00:00:02"), now: 0).reply?.yiaddr
        let c = core.handle(Self.request(.discover, mac: "52:54:00:00:00:03"), now: 0).reply?.yiaddr
        let d = core.handle(Self.request(.discover, mac: "52:54:00:00:00:04"), now: 0).reply?.yiaddr
        #expect(Set([a, b, c, d].compactMap { $0 }).count == 4)
        #expect(d == IPv4Address("192.168.122.150"))  // the second range, once the first is held
        let e = core.handle(Self.request(.discover, mac: "52:54:00:00:00:05"), now: 0)
        #expect(e.reply == nil)  // pool exhausted: silence, as dnsmasq does
        // The same client asking again gets the same offer.
        #expect(core.handle(Self.request(.discover, mac: "52:54:00:00:00:01"), now: 1).reply?.yiaddr == a)
    }

    /// A range found full is not scanned again in the same second, unless an address is freed:
    /// what it frees must be found at once, in the same second, and a full pool must still say so.
    @Test func aFullRangeIsSkippedUntilAnAddressIsFreed() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        for i in 1...4 {
            let mac = "52:54:00:00:00:0\(i)"
            let offer = try #require(core.handle(Self.request(.discover, mac: mac), now: 5).reply?.yiaddr)
            #expect(core.handle(Self.select(offer, mac: mac), now: 5).reply?.messageType == .ack)
        }
        #expect(core.handle(Self.request(.discover, mac: "52:54:00:00:00:05"), now: 5).reply == nil)
        // A release in the same second frees 192.168.122.101: the next client gets it then.
        _ = core.handle(Self.request(.release, mac: "52:54:00:00:00:02") { $0.ciaddr = IPv4Address("192.168.122.101")! }, now: 5)
        #expect(core.handle(Self.request(.discover, mac: "52:54:00:00:00:05"), now: 5).reply?.yiaddr == IPv4Address("192.168.122.101"))
        #expect(core.handle(Self.request(.discover, mac: "52:54:00:00:00:06"), now: 5).reply == nil)
        // An offer that lapses frees its address without any request: seen once the second is over.
        #expect(core.handle(Self.request(.discover, mac: "52:54:00:00:00:06"), now: 5 + 61).reply?.yiaddr == IPv4Address("192.168.122.101"))
        // A range added by a net-update is used at once, in the same second.
        #expect(core.handle(Self.request(.discover, mac: "52:54:00:00:00:07"), now: 66).reply == nil)
        var pool = core.pool
        pool.ranges.append(DHCPPool.Range(first: IPv4Address("192.168.122.160")!, last: IPv4Address("192.168.122.160")!))
        core.reconfigure(pool)
        #expect(core.handle(Self.request(.discover, mac: "52:54:00:00:00:07"), now: 66).reply?.yiaddr == IPv4Address("192.168.122.160"))
    }

    @Test func rangeLeaseTimesApply() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let outcome = core.handle(Self.select(IPv4Address("192.168.122.150")!), now: 0)
        #expect(outcome.reply?.options.uint32(DHCPOptionCode.leaseTime) == 7200)
    }

    @Test func reservationsByMACAndByNameWithInfiniteLease() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let byMAC = core.handle(Self.request(.discover, mac: "52:54:00:00:00:aa"), now: 0)
        #expect(byMAC.reply?.yiaddr == IPv4Address("192.168.122.10"))
        let ack = core.handle(Self.select(IPv4Address("192.168.122.10")!, mac: "52:54:00:00:00:aa"), now: 0)
        #expect(ack.reply?.options.uint32(DHCPOptionCode.leaseTime) == 0xFFFF_FFFF)
        #expect(ack.reply?.options[DHCPOptionCode.renewalTime] == nil)
        #expect(ack.upserts.first?.expiresAt == nil)

        let byName = core.handle(Self.request(.discover, mac: "52:54:00:00:00:bb") { $0.options.setString(DHCPOptionCode.hostName, "web") }, now: 0)
        #expect(byName.reply?.yiaddr == IPv4Address("192.168.122.11"))
        // Someone else may not take a reserved address.
        let thief = core.handle(Self.select(IPv4Address("192.168.122.10")!, mac: "52:54:00:00:00:cc"), now: 0)
        #expect(thief.reply?.messageType == .nak)
    }

    @Test func initRebootAcksAValidAddressAndNaksAWrongOne() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let good = core.handle(Self.request(.request) { $0.options.setAddress(DHCPOptionCode.requestedIPAddress, IPv4Address("192.168.122.101")) }, now: 0)
        #expect(good.reply?.messageType == .ack)
        let wrong = core.handle(Self.request(.request, mac: "52:54:00:00:00:09") {
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, IPv4Address("10.0.0.5"))
        }, now: 0)
        #expect(wrong.reply?.messageType == .nak)
        #expect(wrong.reply?.yiaddr == IPv4Address(0))
        #expect(wrong.reply?.options.string(DHCPOptionCode.message) == "10.0.0.5 is not on network 192.168.122.1/24")
        #expect(wrong.destination == .broadcast)
    }

    @Test func renewIsUnicastToCiaddrAndExtendsTheLease() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        _ = core.handle(Self.select(IPv4Address("192.168.122.100")!), now: 0)
        let renew = core.handle(Self.request(.request) { $0.ciaddr = IPv4Address("192.168.122.100")! }, now: 1800)
        #expect(renew.reply?.messageType == .ack)
        #expect(renew.reply?.ciaddr == IPv4Address("192.168.122.100"))
        #expect(renew.destination == .unicast(IPv4Address("192.168.122.100")!))
        #expect(renew.upserts.first?.expiresAt == 5400)
        // Another client renewing someone else's address is refused.
        let other = core.handle(Self.request(.request, mac: "52:54:00:00:00:77") { $0.ciaddr = IPv4Address("192.168.122.100")! }, now: 1800)
        #expect(other.reply?.messageType == .nak)
    }

    @Test func relayedRequestsAreAnsweredToTheRelay() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let relay = IPv4Address("192.168.122.254")!
        let offer = core.handle(Self.request(.discover) { $0.giaddr = relay }, now: 0)
        #expect(offer.destination == .relay(relay))
        #expect(offer.reply?.giaddr == relay)
        let nak = core.handle(Self.request(.request) {
            $0.giaddr = relay
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, IPv4Address("10.9.9.9"))
        }, now: 0)
        #expect(nak.destination == .relay(relay))
        #expect(nak.reply?.isBroadcastRequested == true)
    }

    @Test func theBroadcastFlagIsHonoured() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        #expect(core.handle(Self.request(.discover) { $0.flags = DHCPMessage.broadcastFlag }, now: 0).destination == .broadcast)
    }

    @Test func aRequestForAnotherServerWithdrawsOurOffer() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let first = core.handle(Self.request(.discover), now: 0).reply?.yiaddr
        let elsewhere = core.handle(Self.request(.request) {
            $0.options.setAddress(DHCPOptionCode.serverIdentifier, IPv4Address("192.168.122.99"))
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, IPv4Address("192.168.122.200"))
        }, now: 0)
        #expect(elsewhere.reply == nil)
        // The withdrawn offer is free again for another client that asks for it.
        let other = core.handle(Self.request(.discover, mac: "52:54:00:00:00:31") {
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, first)
        }, now: 0)
        #expect(other.reply?.yiaddr == first)
    }

    @Test func releaseFreesAndDeclineQuarantines() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        _ = core.handle(Self.select(IPv4Address("192.168.122.100")!), now: 0)
        let release = core.handle(Self.request(.release) { $0.ciaddr = IPv4Address("192.168.122.100")! }, now: 10)
        #expect(release.reply == nil)
        #expect(release.deletions == [IPv4Address("192.168.122.100")!])
        #expect(core.leases.isEmpty)

        _ = core.handle(Self.select(IPv4Address("192.168.122.101")!), now: 20)
        let decline = core.handle(Self.request(.decline) {
            $0.options.setAddress(DHCPOptionCode.serverIdentifier, Self.server)
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, IPv4Address("192.168.122.101"))
        }, now: 30)
        #expect(decline.deletions == [IPv4Address("192.168.122.101")!])
        // While quarantined nobody is offered it; afterwards it comes back.
        var offered: [IPv4Address] = []
        for i in 0..<3 {
            if let address = core.handle(Self.request(.discover, mac: "52:54:00:00:01:0\(i)"), now: 40).reply?.yiaddr { offered.append(address) }
        }
        #expect(!offered.contains(IPv4Address("192.168.122.101")!))
        #expect(core.handle(Self.select(IPv4Address("192.168.122.101")!, mac: "52:54:00:00:02:00"), now: 700).reply?.messageType == .ack)
    }

    /// The doctor's probe gives its offer back with a RELEASE, so the address is free at once;
    /// another client's RELEASE of it does nothing.
    @Test func releasingAnOfferWithdrawsIt() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let offered = try #require(core.handle(Self.request(.discover), now: 0).reply?.yiaddr)
        let stranger = core.handle(Self.request(.release, mac: "52:54:00:00:00:41") { $0.ciaddr = offered }, now: 1)
        #expect(stranger.deletions.isEmpty && stranger.changes.isEmpty)
        #expect(core.handle(Self.request(.discover, mac: "52:54:00:00:00:42") {
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, offered)
        }, now: 2).reply?.yiaddr != offered)
        let back = core.handle(Self.request(.release) { $0.ciaddr = offered }, now: 3)
        #expect(back.reply == nil && back.deletions.isEmpty && core.leases.isEmpty)
        #expect(core.handle(Self.request(.discover, mac: "52:54:00:00:00:43") {
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, offered)
        }, now: 4).reply?.yiaddr == offered)
    }

    @Test func informGetsConfigurationWithoutALease() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let outcome = core.handle(Self.request(.inform) { $0.ciaddr = IPv4Address("192.168.122.50")! }, now: 0)
        #expect(outcome.reply?.messageType == .ack)
        #expect(outcome.reply?.yiaddr == IPv4Address(0))
        #expect(outcome.reply?.options[DHCPOptionCode.leaseTime] == nil)
        #expect(outcome.destination == .unicast(IPv4Address("192.168.122.50")!))
        #expect(outcome.upserts.isEmpty)
    }

    @Test func previousAddressesArePreferredAndExpiredOnesReclaimed() throws {
        let mac = MACAddress("52:54:00:12:34:56")!
        let old = DHCPLease(network: "default", mac: mac, ip: IPv4Address("192.168.122.102")!, expiresAt: 100)
        var core = DHCPServerCore(pool: try Self.pool(), leases: [old])
        // After expiry the client still gets its previous address back.
        #expect(core.handle(Self.request(.discover), now: 500).reply?.yiaddr == IPv4Address("192.168.122.102"))
        #expect(core.reclaimExpired(now: 500) == [old])
        #expect(core.leases.isEmpty)
    }

    @Test func clientIdentifiersTellClientsApart() throws {
        var core = DHCPServerCore(pool: try Self.pool(), leases: [])
        let a = core.handle(Self.select(IPv4Address("192.168.122.100")!) , now: 0)
        #expect(a.reply?.messageType == .ack)
        // Same MAC, different client identifier (another OS on the same NIC): a different client.
        let b = core.handle(Self.request(.request) {
            $0.options[DHCPOptionCode.clientIdentifier] = [0xff, 1, 2, 3]
            $0.options.setAddress(DHCPOptionCode.serverIdentifier, Self.server)
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, IPv4Address("192.168.122.100"))
        }, now: 0)
        #expect(b.reply?.messageType == .nak)
    }

    @Test func isolatedNetworksGiveNoRouter() throws {
        let pool = try Self.pool(Self.networkXML.replacingOccurrences(of: "<forward mode='nat'/>", with: ""))
        var core = DHCPServerCore(pool: pool, leases: [])
        let offer = try #require(core.handle(Self.request(.discover), now: 0).reply)
        #expect(offer.options[DHCPOptionCode.router] == nil)
        #expect(offer.options[DHCPOptionCode.classlessStaticRoute]?.first == 16)  // no default route either
    }
}
