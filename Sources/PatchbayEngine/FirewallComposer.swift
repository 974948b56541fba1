import NFTables
import PatchbayModel

/// The firewall's desired state, derived from the store alone: every network that runs (or is
/// being started) owns its fragment, its port forwards and its coexistence rules; a network being
/// stopped owns none. Deriving it from the store each time, under one lock, means two operations
/// on different networks can never apply each other's stale view.
enum FirewallComposer {
    /// The state, and the networks whose rules cannot be made (a bridge or device name nft
    /// cannot take, stored by a version that did not check), which are left out.
    static func state(records: [NetworkRecord], forwards: [PortForward]) -> (state: FirewallState, refused: [(String, PatchbayError)]) {
        var networks: [FirewallNetwork] = []
        var refused: [(String, PatchbayError)] = []
        for record in records {
            guard let running = record.running else { continue }
            do {
                if let network = try FirewallNetwork(definition: running) { networks.append(network) }
            } catch {
                refused.append((record.name, error))
            }
        }
        return (FirewallState(networks: networks, portForwards: forwards, coexistence: true), refused)
    }

    /// Whether any of these networks forwards (nat, route), and so needs IP forwarding on.
    static func forwarding(_ state: FirewallState) -> (ipv4: Bool, ipv6: Bool)? {
        let forwarding = state.networks.values.filter { $0.mode != .isolated }
        guard !forwarding.isEmpty else { return nil }
        return (true, forwarding.contains { !$0.ipv6Subnets.isEmpty })
    }
}
