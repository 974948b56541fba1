import Logging
import PatchbayModel

/// macvtap ("direct") networks, `<forward mode='bridge|private|vepa|passthrough'>` with
/// `<forward dev>` or a pool of `<interface dev>`s: the network itself has no kernel object;
/// each port is a macvtap on one of the pool's NICs (`MacvtapPortDriver`). Starting checks that
/// every NIC of the pool exists, so a typo fails at `net-start` rather than at a guest's boot.
struct DirectNetworkDriver: NetworkDriver {
    let links: any LinkManaging
    let logger: Logger

    func start(_ definition: NetworkDefinition, temporaryDevice: String) async throws(PatchbayError) {
        let pool = definition.forward.interfaces.map(\.dev)
        guard !pool.isEmpty else {
            throw PatchbayError(.invalidArgument, "network '\(definition.name)' uses a direct mode ('\(definition.forward.mode.rawValue)'), but has no forward dev and no interface pool")
        }
        for device in pool {
            _ = try await Self.nic(device, of: definition, links: links)
        }
    }

    func stop(_ definition: NetworkDefinition, temporaryDevice: String?, adoptUntagged: Bool) async throws(PatchbayError) {}

    /// The NICs are the host's: one that vanished is reported, and its ports fail to attach.
    func reconcile(_ definition: NetworkDefinition, adoptUntagged: Bool) async throws(PatchbayError) -> [String] {
        var notes: [String] = []
        for device in definition.forward.interfaces.map(\.dev) where try await links.link(named: device) == nil {
            notes.append("NIC \(device) of the pool is missing")
        }
        return notes
    }

    /// A NIC of the pool, checked: it exists and can carry macvtaps (not a bridge, not loopback).
    static func nic(_ name: String, of definition: NetworkDefinition, links: any LinkManaging) async throws(PatchbayError) -> LinkSnapshot {
        guard let link = try await links.link(named: name) else {
            throw PatchbayError(.notFound, "network '\(definition.name)': the NIC '\(name)' of its <forward> does not exist")
        }
        if link.kind == "bridge" || link.name == "lo" || link.kind == "macvtap" || link.kind == "macvlan" {
            throw PatchbayError(.operationInvalid, "network '\(definition.name)': '\(name)' is a \(link.kind ?? "loopback") device; a macvtap needs a NIC (or a veth) under it")
        }
        return link
    }
}
