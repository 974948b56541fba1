@testable import PatchbayEngine
import PatchbayModel
import Testing

@Suite struct LoopGuardCoreTests {
    let bridge: Int32 = 2

    func port(_ index: Int32, _ state: BridgePortState = .forwarding, carrier: Bool = true) -> BridgePortStatus {
        BridgePortStatus(index: index, name: "vnet\(index)", state: state, carrier: carrier)
    }

    @Test func everyForwardingPortWithCarrierIsProbed() {
        var core = LoopGuardCore(recoveryRounds: 3)
        let round = core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled, carrier: false), port(12)])
        #expect(round.actions.isEmpty)
        #expect(round.probe == [10, 12])
    }

    @Test func aTwoPortLoopDisablesTheNewerPortWhicheverProbeReturnsFirst() {
        for order in [[(Int32(10), Int32(11)), (11, 10)], [(11, 10), (10, 11)]] {
            var core = LoopGuardCore(recoveryRounds: 3)
            _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
            let first = core.probeReturned(bridge: bridge, egress: order[0].0, ingress: order[0].1)
            #expect(first == .disable(bridge: bridge, port: 11, partner: 10))
            // The other direction of the same loop, and more copies of the first probe, change nothing.
            #expect(core.probeReturned(bridge: bridge, egress: order[1].0, ingress: order[1].1) == nil)
            #expect(core.probeReturned(bridge: bridge, egress: order[0].0, ingress: order[0].1) == nil)
            #expect(core.blocked[bridge]?.keys.sorted() == [11])
        }
    }

    @Test func onlyTheFirstReturnOfAProbeInARoundIsLookedUp() {
        var core = LoopGuardCore(recoveryRounds: 3)
        #expect(!core.awaitsAnswer(bridge: bridge, egress: 10))  // not guarded yet
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        #expect(core.awaitsAnswer(bridge: bridge, egress: 10))
        #expect(!core.awaitsAnswer(bridge: bridge, egress: 99))
        _ = core.probeReturned(bridge: bridge, egress: 10, ingress: 11)
        #expect(!core.awaitsAnswer(bridge: bridge, egress: 10))
        // The disabled port's probe is still wanted once per round: it shows the loop persists.
        #expect(core.awaitsAnswer(bridge: bridge, egress: 11))
        #expect(core.probeReturned(bridge: bridge, egress: 11, ingress: 10) == nil)
        #expect(!core.awaitsAnswer(bridge: bridge, egress: 11))
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)])
        #expect(core.awaitsAnswer(bridge: bridge, egress: 10))
        #expect(core.awaitsAnswer(bridge: bridge, egress: 11))
    }

    @Test func aThreePortLoopKeepsOnlyTheOldestPort() {
        var core = LoopGuardCore(recoveryRounds: 3)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11), port(12)])
        #expect(core.probeReturned(bridge: bridge, egress: 10, ingress: 12) == .disable(bridge: bridge, port: 12, partner: 10))
        #expect(core.probeReturned(bridge: bridge, egress: 11, ingress: 10) == .disable(bridge: bridge, port: 11, partner: 10))
        #expect(core.probeReturned(bridge: bridge, egress: 12, ingress: 11) == nil)
        #expect(core.blocked[bridge]?.keys.sorted() == [11, 12])
    }

    @Test func reflectionsUnknownPortsAndOtherBridgesAreNotLoops() {
        var core = LoopGuardCore(recoveryRounds: 3)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        #expect(core.probeReturned(bridge: bridge, egress: 10, ingress: 10) == nil)  // sent back on its own port
        #expect(core.probeReturned(bridge: bridge, egress: 10, ingress: nil) == nil)  // not learned (learning off)
        #expect(core.probeReturned(bridge: bridge, egress: 10, ingress: 99) == nil)  // not a port of this bridge
        #expect(core.probeReturned(bridge: bridge, egress: 99, ingress: 10) == nil)  // a port of another bridge
        #expect(core.probeReturned(bridge: 5, egress: 10, ingress: 11) == nil)  // a bridge not guarded
        #expect(core.blocked.isEmpty || core.blocked[bridge]?.isEmpty == true)
    }

    @Test func aDisabledPortIsProbedAndForwardsAgainAfterSilentRounds() {
        var core = LoopGuardCore(recoveryRounds: 2)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        _ = core.probeReturned(bridge: bridge, egress: 10, ingress: 11)
        // While the loop lasts, the disabled port's own probe keeps coming back on the other.
        for _ in 0..<5 {
            let round = core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)])
            #expect(round.actions.isEmpty)
            #expect(round.probe == [10, 11])
            #expect(core.probeReturned(bridge: bridge, egress: 11, ingress: 10) == nil)
        }
        // Then it stops: two silent rounds are tolerated, the third enables the port.
        #expect(core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)]).actions.isEmpty)
        #expect(core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)]).actions.isEmpty)
        #expect(core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)]).actions == [.enable(bridge: bridge, port: 11)])
        #expect(core.blocked[bridge]?.isEmpty == true)
        let next = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        #expect(next.actions.isEmpty)
        #expect(next.probe == [10, 11])
    }

    @Test func roundsWithoutCarrierDoNotCountAsSilent() {
        var core = LoopGuardCore(recoveryRounds: 1)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        _ = core.probeReturned(bridge: bridge, egress: 10, ingress: 11)
        for _ in 0..<4 {
            let round = core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled, carrier: false)])
            #expect(round.actions.isEmpty)
            #expect(round.probe == [10])
        }
        #expect(core.blocked[bridge]?.keys.sorted() == [11])
    }

    @Test func aPortTheKernelEnabledOrThatVanishedIsForgotten() {
        var core = LoopGuardCore(recoveryRounds: 3)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11), port(12)])
        _ = core.probeReturned(bridge: bridge, egress: 10, ingress: 11)
        #expect(core.probeReturned(bridge: bridge, egress: 10, ingress: 12) == nil)  // 10's probe already answered this round
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled), port(12)])
        #expect(core.probeReturned(bridge: bridge, egress: 10, ingress: 12) == .disable(bridge: bridge, port: 12, partner: 10))
        // 11's carrier flapped (the kernel enables it again); 12 was deleted.
        let round = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        #expect(round.actions.isEmpty)
        #expect(core.blocked[bridge]?.isEmpty == true)
        // The loop through 11 is found again by the next probe.
        #expect(core.probeReturned(bridge: bridge, egress: 11, ingress: 10) == .disable(bridge: bridge, port: 11, partner: 10))
    }

    @Test func aPortFoundDisabledWithCarrierIsHeldAndProbed() {
        // After a daemon restart: the kernel still has the port disabled.
        var core = LoopGuardCore(recoveryRounds: 1)
        let first = core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)])
        #expect(first.probe == [10, 11])
        #expect(core.blocked[bridge]?[11] != nil)
        #expect(core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)]).actions.isEmpty)
        #expect(core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)]).actions == [.enable(bridge: bridge, port: 11)])
    }

    @Test func forgettingABridgeDropsItsState() {
        var core = LoopGuardCore(recoveryRounds: 3)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        _ = core.probeReturned(bridge: bridge, egress: 10, ingress: 11)
        core.forget(bridge: bridge)
        #expect(core.blocked[bridge] == nil)
        #expect(core.guardedBridges.isEmpty)
        #expect(core.probeReturned(bridge: bridge, egress: 10, ingress: 11) == nil)
    }
}
