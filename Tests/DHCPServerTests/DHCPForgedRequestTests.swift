import DHCPServer
import DHCPWire
import PatchbayModel
import Testing

/// What a hostile guest sends, decided by the core with the origin the service read at layer 2:
/// it may only decline, release or be charged for what comes from its own port.
@Suite struct DHCPForgedRequestTests {
    static let victimMAC = "52:54:00:00:00:01"
    static let victimPort = DHCPOrigin.port(11)
    static let attackerPort = DHCPOrigin.port(12)
    static let victimAddress = IPv4Address("192.168.122.100")!

    static func decline(_ address: IPv4Address, mac: String, clientID: [UInt8]? = nil) -> DHCPMessage {
        DHCPServerCoreTests.request(.decline, mac: mac) {
            $0.options.setAddress(DHCPOptionCode.serverIdentifier, DHCPServerCoreTests.server)
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, address)
            if let clientID { $0.options[DHCPOptionCode.clientIdentifier] = clientID }
        }
    }

    static func renew(_ address: IPv4Address, mac: String) -> DHCPMessage {
        DHCPServerCoreTests.request(.request, mac: mac) { $0.ciaddr = address }
    }

    /// The victim's lease, granted from its own port.
    static func coreWithVictim(limit: Int = 0) throws -> DHCPServerCore {
        var core = DHCPServerCore(pool: try DHCPServerCoreTests.pool(), leases: [], maxClientsPerOrigin: limit)
        let ack = core.handle(DHCPServerCoreTests.select(victimAddress, mac: victimMAC), now: 0, origin: victimPort)
        #expect(ack.reply?.messageType == .ack)
        #expect(ack.upserts.first?.origin == victimPort)
        return core
    }

    @Test func aDeclineOfAnotherClientsAddressIsIgnoredAndTheHolderRenews() throws {
        var core = try Self.coreWithVictim()
        // From another client (its own MAC): ignored, nothing quarantined.
        let foreign = core.handle(Self.decline(Self.victimAddress, mac: "52:54:00:00:00:66"), now: 10, origin: Self.attackerPort)
        #expect(foreign.deletions.isEmpty)
        #expect(foreign.summary.contains("not offered or leased to"))
        // With the victim's MAC copied, but from the attacker's port: ignored too.
        let copied = core.handle(Self.decline(Self.victimAddress, mac: Self.victimMAC), now: 10, origin: Self.attackerPort)
        #expect(copied.deletions.isEmpty)
        let renewal = core.handle(Self.renew(Self.victimAddress, mac: Self.victimMAC), now: 20, origin: Self.victimPort)
        #expect(renewal.reply?.messageType == .ack)
        #expect(renewal.reply?.yiaddr == Self.victimAddress)
    }

    @Test func theHolderItselfMayDeclineAndTheQuarantineNeverBlocksAHolder() throws {
        var core = try Self.coreWithVictim()
        let own = core.handle(Self.decline(Self.victimAddress, mac: Self.victimMAC), now: 10, origin: Self.victimPort)
        #expect(own.deletions == [Self.victimAddress])
        // Quarantined for everyone else...
        let other = core.handle(DHCPServerCoreTests.select(Self.victimAddress, mac: "52:54:00:00:00:77"), now: 20, origin: .port(13))
        #expect(other.reply?.messageType == .nak)
    }

    @Test func reservedAndOutOfPoolAddressesCannotBeQuarantined() throws {
        var core = DHCPServerCore(pool: try DHCPServerCoreTests.pool(), leases: [])
        // The reserved host holds 192.168.122.10.
        let reserved = IPv4Address("192.168.122.10")!
        #expect(core.handle(DHCPServerCoreTests.select(reserved, mac: "52:54:00:00:00:aa"), now: 0, origin: Self.victimPort).reply?.messageType == .ack)
        let declined = core.handle(Self.decline(reserved, mac: "52:54:00:00:00:aa"), now: 10, origin: Self.victimPort)
        #expect(declined.deletions.isEmpty)
        #expect(declined.summary.contains("not a pool address"))
        #expect(core.handle(Self.renew(reserved, mac: "52:54:00:00:00:aa"), now: 20, origin: Self.victimPort).reply?.messageType == .ack)
        // Random addresses from a flood are not remembered.
        for n in 0..<500 {
            let address = IPv4Address(UInt32(0x0A00_0000 + n))
            #expect(core.handle(Self.decline(address, mac: "52:54:00:00:00:66"), now: 30, origin: Self.attackerPort).deletions.isEmpty)
        }
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: "52:54:00:00:00:78"), now: 40, origin: .port(14)).reply != nil)
    }

    /// A guest that declines what it was offered, over and over with fresh client IDs, cannot
    /// quarantine more of the pool than its share.
    @Test func declinesCountAgainstTheDecliningPortsShare() throws {
        var core = DHCPServerCore(pool: try DHCPServerCoreTests.pool(), leases: [], maxClientsPerOrigin: 1)
        var quarantined = 0
        for n in 0..<4 {
            let clientID: [UInt8] = [0xff, UInt8(n)]
            let discover = DHCPServerCoreTests.request(.discover, mac: "52:54:00:00:00:66") { $0.options[DHCPOptionCode.clientIdentifier] = clientID }
            guard let offered = core.handle(discover, now: 0, origin: Self.attackerPort).reply?.yiaddr else { continue }
            let declined = core.handle(Self.decline(offered, mac: "52:54:00:00:00:66", clientID: clientID), now: 1, origin: Self.attackerPort)
            if declined.summary.contains("quarantined") { quarantined += 1 }
        }
        #expect(quarantined == 1)
        // Another port still gets the rest of the pool.
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: "52:54:00:00:00:79"), now: 2, origin: .port(15)).reply != nil)
    }

    @Test func aReleaseFromAnotherPortIsIgnored() throws {
        var core = try Self.coreWithVictim()
        let forged = core.handle(DHCPServerCoreTests.request(.release, mac: Self.victimMAC) { $0.ciaddr = Self.victimAddress },
                                 now: 10, origin: Self.attackerPort)
        #expect(forged.deletions.isEmpty)
        #expect(core.leases.map(\.ip) == [Self.victimAddress])
        let real = core.handle(DHCPServerCoreTests.request(.release, mac: Self.victimMAC) { $0.ciaddr = Self.victimAddress },
                               now: 20, origin: Self.victimPort)
        #expect(real.deletions == [Self.victimAddress])
    }

    /// The victim's MAC with made-up client IDs from the attacker's port is charged to the
    /// attacker: the victim's port keeps its whole share.
    @Test func madeUpClientIDsBehindAnotherGuestsMACAreChargedToTheSendersPort() throws {
        var core = DHCPServerCore(pool: try DHCPServerCoreTests.pool(), leases: [], maxClientsPerOrigin: 2)
        var granted = 0
        for n in 0..<4 {
            let discover = DHCPServerCoreTests.request(.discover, mac: Self.victimMAC) { $0.options[DHCPOptionCode.clientIdentifier] = [0xfe, UInt8(n)] }
            if core.handle(discover, now: 0, origin: Self.attackerPort).reply != nil { granted += 1 }
        }
        #expect(granted == 2)
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: Self.victimMAC), now: 0, origin: Self.victimPort).reply != nil)
        #expect(core.handle(DHCPServerCoreTests.request(.discover, mac: "52:54:00:00:00:02"), now: 0, origin: Self.victimPort).reply != nil)
    }

    /// Replies are unicast only inside the network's subnet: a made-up ciaddr gets a broadcast
    /// reply (or none, for INFORM), never a neighbour entry for an address nobody has.
    @Test func repliesAreNotUnicastOutsideTheSubnet() throws {
        var core = try Self.coreWithVictim()
        let outside = core.handle(DHCPServerCoreTests.request(.request, mac: Self.victimMAC) {
            $0.options.setAddress(DHCPOptionCode.requestedIPAddress, Self.victimAddress)
            $0.ciaddr = IPv4Address("203.0.113.9")!
        }, now: 10, origin: Self.victimPort)
        #expect(outside.reply?.messageType == .ack)
        #expect(outside.destination == .broadcast)
        let inform = core.handle(DHCPServerCoreTests.request(.inform) { $0.ciaddr = IPv4Address("203.0.113.9")! }, now: 10, origin: Self.victimPort)
        #expect(inform.reply == nil)
    }

    /// The two-step forgery: first take the victim's lease over with its MAC and client ID from
    /// another port (to decline or release it from there next). Refused while the victim's port
    /// exists; a client whose port is gone (a VM moved to a new port) keeps its address.
    @Test func aLeaseIsNotTakenOverFromAnotherPortThatStillExists() throws {
        var core = try Self.coreWithVictim()
        let present: (DHCPOrigin) -> Bool = { $0 == Self.victimPort }
        let takeover = core.handle(DHCPServerCoreTests.select(Self.victimAddress, mac: Self.victimMAC), now: 10, origin: Self.attackerPort,
                                   isPresent: present)
        #expect(takeover.reply == nil)
        #expect(takeover.summary.contains("is held from bridge port 11"))
        #expect(core.handle(Self.decline(Self.victimAddress, mac: Self.victimMAC), now: 11, origin: Self.attackerPort).deletions.isEmpty)
        // The victim's port is gone: from its new port the client renews the same address.
        let moved = core.handle(Self.renew(Self.victimAddress, mac: Self.victimMAC), now: 20, origin: .port(21), isPresent: { _ in false })
        #expect(moved.reply?.messageType == .ack)
        #expect(moved.upserts.first?.origin == .port(21))
    }

    /// A guest that writes a trusted relay's address into giaddr is a relay of its own port: it
    /// shares no share, and no lease, with the real relay.
    @Test func aForgedRelayIsARelayOfItsOwnPort() throws {
        var core = DHCPServerCore(pool: try DHCPServerCoreTests.pool(), leases: [], maxClientsPerOrigin: 1)
        let relay = IPv4Address("192.168.122.2")!
        let real = DHCPOrigin.relay(relay, port: 5), forged = DHCPOrigin.relay(relay, port: 12)
        func relayed(_ mac: String) -> DHCPMessage {
            DHCPServerCoreTests.request(.discover, mac: mac) { $0.giaddr = relay }
        }
        #expect(core.handle(relayed("52:54:00:00:00:30"), now: 0, origin: real).reply != nil)
        #expect(core.handle(relayed("52:54:00:00:00:31"), now: 0, origin: forged).reply != nil)
        #expect(core.handle(relayed("52:54:00:00:00:32"), now: 0, origin: forged).reply == nil)
        #expect(real != forged && DHCPOrigin(storedForm: forged.storedForm) == forged)
    }
}
