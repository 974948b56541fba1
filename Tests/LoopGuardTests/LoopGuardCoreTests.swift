import LoopGuard
import PatchbayModel
import Testing

@Suite struct LoopGuardCoreTests {
    let bridge: Int32 = 2

    /// What the daemon does with a probe that came back: claim the round's answer, then decide.
    func returned(_ core: inout LoopGuardCore, bridge: Int32? = nil, egress: Int32, ingress: Int32?) -> LoopGuardCore.Action? {
        let bridge = bridge ?? self.bridge
        guard core.claimAnswer(bridge: bridge, egress: egress) else { return nil }
        return core.probeReturned(bridge: bridge, egress: egress, ingress: ingress)
    }

    func claim(_ core: inout LoopGuardCore, _ egress: Int32) -> Bool { core.claimAnswer(bridge: bridge, egress: egress) }

    func decide(_ core: inout LoopGuardCore, egress: Int32, ingress: Int32?) -> LoopGuardCore.Action? {
        core.probeReturned(bridge: bridge, egress: egress, ingress: ingress)
    }

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
            let first = returned(&core, egress: order[0].0, ingress: order[0].1)
            #expect(first == .disable(bridge: bridge, port: 11, partner: 10))
            // The other direction of the same loop, and more copies of the first probe, change nothing.
            #expect(returned(&core, egress: order[1].0, ingress: order[1].1) == nil)
            #expect(returned(&core, egress: order[0].0, ingress: order[0].1) == nil)
            #expect(core.blocked[bridge]?.keys.sorted() == [11])
        }
    }

    @Test func onlyTheFirstReturnOfAProbeInARoundIsLookedUp() {
        var core = LoopGuardCore(recoveryRounds: 3)
        #expect(!claim(&core, 10))  // not guarded yet
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        #expect(!claim(&core, 99))
        // A guest sending its own port's probe straight back costs one lookup per round.
        #expect(claim(&core, 10))
        #expect(decide(&core, egress: 10, ingress: 10) == nil)
        #expect(!claim(&core, 10))
        #expect(claim(&core, 11))
        #expect(decide(&core, egress: 11, ingress: 10) == .disable(bridge: bridge, port: 11, partner: 10))
        #expect(!claim(&core, 11))
        core.startRound()
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)])
        #expect(claim(&core, 10))
        #expect(claim(&core, 11))
    }

    @Test func aLoopThroughTwoNetworksIsCutOnceNotOnEachBridge() {
        // Guest 1 joins ports 10 (bridge 2) and 20 (bridge 3); guest 2, newer, joins 11 and 21.
        var core = LoopGuardCore(recoveryRounds: 2)
        core.startRound()
        _ = core.beginRound(bridge: 2, ports: [port(10), port(11)])
        _ = core.beginRound(bridge: 3, ports: [port(20), port(21)])
        #expect(returned(&core, bridge: 2, egress: 10, ingress: 11) == .disable(bridge: 2, port: 11, partner: 10))
        // Bridge 3 sees the same loop in the same round: one cut already broke it.
        #expect(returned(&core, bridge: 3, egress: 20, ingress: 21) == nil)
        #expect(returned(&core, bridge: 3, egress: 21, ingress: 20) == nil)
        #expect(core.blocked[3]?.isEmpty ?? true)
        // Guest 2 keeps port 21; port 11's probes keep coming back (through 21, bridge 3 and
        // guest 1), so it stays cut instead of flapping.
        for _ in 0..<4 {
            core.startRound()
            #expect(core.beginRound(bridge: 2, ports: [port(10), port(11, .disabled)]).actions.isEmpty)
            _ = core.beginRound(bridge: 3, ports: [port(20), port(21)])
            #expect(returned(&core, bridge: 2, egress: 11, ingress: 10) == nil)
        }
        #expect(core.blocked[2]?.keys.sorted() == [11])
        // Two separate loops on two bridges: the second is cut in the next round.
        core.startRound()
        _ = core.beginRound(bridge: 2, ports: [port(10), port(11, .disabled), port(12), port(13)])
        _ = core.beginRound(bridge: 3, ports: [port(20), port(21), port(22), port(23)])
        #expect(returned(&core, bridge: 2, egress: 12, ingress: 13) == .disable(bridge: 2, port: 13, partner: 12))
        #expect(returned(&core, bridge: 3, egress: 22, ingress: 23) == nil)
        core.startRound()
        _ = core.beginRound(bridge: 2, ports: [port(10), port(11, .disabled), port(12), port(13, .disabled)])
        _ = core.beginRound(bridge: 3, ports: [port(20), port(21), port(22), port(23)])
        #expect(returned(&core, bridge: 3, egress: 22, ingress: 23) == .disable(bridge: 3, port: 23, partner: 22))
    }

    @Test func aThreePortLoopKeepsOnlyTheOldestPort() {
        var core = LoopGuardCore(recoveryRounds: 3)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11), port(12)])
        #expect(returned(&core, egress: 10, ingress: 12) == .disable(bridge: bridge, port: 12, partner: 10))
        #expect(returned(&core, egress: 11, ingress: 10) == .disable(bridge: bridge, port: 11, partner: 10))
        #expect(returned(&core, egress: 12, ingress: 11) == nil)
        #expect(core.blocked[bridge]?.keys.sorted() == [11, 12])
    }

    @Test func reflectionsUnknownPortsAndOtherBridgesAreNotLoops() {
        var core = LoopGuardCore(recoveryRounds: 3)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        #expect(returned(&core, egress: 10, ingress: 10) == nil)  // sent back on its own port
        #expect(returned(&core, egress: 10, ingress: nil) == nil)  // not learned (learning off)
        #expect(returned(&core, egress: 10, ingress: 99) == nil)  // not a port of this bridge
        #expect(returned(&core, egress: 99, ingress: 10) == nil)  // a port of another bridge
        #expect(returned(&core, bridge: 5, egress: 10, ingress: 11) == nil)  // a bridge not guarded
        #expect(core.blocked.values.allSatisfy { $0.isEmpty })
        #expect(core.blocked[5] == nil)
    }

    @Test func aDisabledPortIsProbedAndForwardsAgainAfterSilentRounds() {
        var core = LoopGuardCore(recoveryRounds: 2)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        _ = returned(&core, egress: 10, ingress: 11)
        // While the loop lasts, the disabled port's own probe keeps coming back on the other.
        for _ in 0..<5 {
            let round = core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled)])
            #expect(round.actions.isEmpty)
            #expect(round.probe == [10, 11])
            #expect(returned(&core, egress: 11, ingress: 10) == nil)
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
        _ = returned(&core, egress: 10, ingress: 11)
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
        _ = returned(&core, egress: 10, ingress: 11)
        #expect(returned(&core, egress: 10, ingress: 12) == nil)  // 10's probe already answered this round
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11, .disabled), port(12)])
        #expect(returned(&core, egress: 10, ingress: 12) == .disable(bridge: bridge, port: 12, partner: 10))
        // 11's carrier flapped (the kernel enables it again); 12 was deleted.
        let round = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        #expect(round.actions.isEmpty)
        #expect(core.blocked[bridge]?.isEmpty == true)
        // The loop through 11 is found again by the next probe.
        #expect(returned(&core, egress: 11, ingress: 10) == .disable(bridge: bridge, port: 11, partner: 10))
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

    @Test func portsKernelSTPLeftBehindAreLeftToTheKernel() {
        // After a switch from kernel STP: the kernel keeps a port it had blocked (not designated)
        // until STP's max age runs out, and turns any state set meanwhile back; the guard waits.
        var core = LoopGuardCore(recoveryRounds: 3)
        let round = core.beginRound(bridge: bridge, ports: [port(10), port(11, .blocking), port(12, .learning)])
        #expect(round.actions.isEmpty)
        #expect(round.probe == [10])
        #expect(core.beginRound(bridge: bridge, ports: [port(10), port(11), port(12)]).probe == [10, 11, 12])
    }

    @Test func forgettingABridgeDropsItsState() {
        var core = LoopGuardCore(recoveryRounds: 3)
        _ = core.beginRound(bridge: bridge, ports: [port(10), port(11)])
        _ = returned(&core, egress: 10, ingress: 11)
        core.forget(bridge: bridge)
        #expect(core.blocked[bridge] == nil)
        #expect(core.guardedBridges.isEmpty)
        #expect(returned(&core, egress: 10, ingress: 11) == nil)
    }

    /// A host's uplink is never probed (no probe leaves onto the LAN) and never disabled: a loop
    /// through the LAN is cut at the guest's port, whichever port is newer.
    @Test func uplinksAreNeitherProbedNorCut() {
        var core = LoopGuardCore(recoveryRounds: 3)
        let round = core.beginRound(bridge: bridge, ports: [port(10), port(11), port(12)], uplinks: [12])
        #expect(round.probe == [10, 11])
        // The guest behind 10 bridges its port to the LAN: its probe comes back on the uplink.
        #expect(returned(&core, egress: 10, ingress: 12) == .disable(bridge: bridge, port: 10, partner: 12))
        var other = LoopGuardCore(recoveryRounds: 3)
        _ = other.beginRound(bridge: bridge, ports: [port(10), port(11), port(12)], uplinks: [11, 12])
        #expect(returned(&other, egress: 11, ingress: 12) == nil)
        // An uplink someone disabled by hand is not taken for one of the guard's cuts.
        var third = LoopGuardCore(recoveryRounds: 1)
        for _ in 0..<3 {
            #expect(third.beginRound(bridge: bridge, ports: [port(10), port(12, .disabled)], uplinks: [12]).actions.isEmpty)
        }
    }
}
