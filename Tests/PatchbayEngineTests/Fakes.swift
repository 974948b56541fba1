import NFTables
import PatchbayEngine
import PatchbayModel
import Synchronization

/// The firewall as a record of every state the engine asked for.
final class RecordingFirewall: FirewallApplying {
    struct State {
        var applied: FirewallState = .empty
        var history: [FirewallState] = []
        var failNext = false
        var forwarding = false
    }

    let state = Mutex(State())
    var applied: FirewallState { state.withLock { $0.applied } }
    func failNextApply() { state.withLock { $0.failNext = true } }

    func apply(_ firewall: FirewallState) async throws(PatchbayError) {
        await Task.yield()
        try state.withLock { (s: inout State) throws(PatchbayError) in
            if s.failNext {
                s.failNext = false
                throw PatchbayError(.kernel, "injected firewall failure")
            }
            s.applied = firewall
            s.history.append(firewall)
        }
    }

    func restore(_ firewall: FirewallState) async throws(PatchbayError) -> Bool {
        let changed = applied != firewall
        try await apply(firewall)
        return changed
    }

    func enableForwarding(ipv6: Bool) async throws(PatchbayError) {
        state.withLock { $0.forwarding = true }
    }
}

/// DHCP and DNS as a record of which networks have servers, that notices two starts of one
/// network's services overlapping (what used to leave two DHCP servers on one bridge).
final class RecordingServices: NetworkServices {
    struct State {
        var running: [String: NetworkDefinition] = [:]
        var starting: [String: Int] = [:]
        var overlaps: [String] = []
        var failFor: Set<String> = []
    }

    let state = Mutex(State())
    var running: [String: NetworkDefinition] { state.withLock { $0.running } }
    var overlaps: [String] { state.withLock { $0.overlaps } }
    func fail(for network: String) { _ = state.withLock { $0.failFor.insert(network) } }

    func start(_ definition: NetworkDefinition) async throws(PatchbayError) {
        let name = definition.name
        try state.withLock { (s: inout State) throws(PatchbayError) in
            s.starting[name, default: 0] += 1
            if s.starting[name]! > 1 { s.overlaps.append(name) }
            if s.failFor.contains(name) {
                s.starting[name]! -= 1
                throw PatchbayError(.kernel, "injected service failure for \(name)")
            }
        }
        await Task.yield()
        state.withLock { s in
            s.running[name] = definition
            s.starting[name]! -= 1
        }
    }

    func stop(_ network: String) async {
        await Task.yield()
        _ = state.withLock { $0.running.removeValue(forKey: network) }
    }
}
