import PatchbayModel

/// How a Patchbay bridge whose definition says `stp='on'` is kept free of loops.
///
/// The kernel's STP makes every new port wait two forward delays (at least 4 s) in listening and
/// learning, and it cannot mark a guest port as an edge port; user-space STP, which could, is only
/// available in the initial network namespace. So by default Patchbay runs the bridge without
/// kernel STP, where a new port forwards at once, and its own loop guard (`LoopGuard`) finds and
/// disables a port that closes a loop. `kernelSTP` restores libvirt's behaviour exactly.
public enum LoopProtection: String, Sendable, Hashable, CaseIterable {
    case loopGuard = "loop-guard"
    case kernelSTP = "kernel-stp"

    /// Whether the kernel runs STP on a bridge whose definition asks for it (`stp='on'`).
    func runsKernelSTP(for bridge: BridgeDefinition) -> Bool { bridge.stp && self == .kernelSTP }

    /// Whether Patchbay's loop guard watches a bridge whose definition asks for STP.
    public func guards(_ bridge: BridgeDefinition) -> Bool { bridge.stp && self == .loopGuard }
}
