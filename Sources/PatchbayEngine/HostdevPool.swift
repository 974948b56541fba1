import PatchbayModel

/// Which VF of a hostdev network's pool a new port gets, and whether a stored port may keep its
/// VF: libvirt's networkAllocatePort and networkNotifyPort (src/network/bridge_driver.c). Pure:
/// the pool comes from `HostdevManaging.pool`, the VFs in use from the network's stored ports.
///
/// A VF is exclusive (PCI passthrough), so its connections are 0 or 1: libvirt counts each port
/// plugged into a pool entry (dev->connections) and takes the first entry in pool order with none.
public enum HostdevPool {
    /// How many stored ports hold each address (networkAllocatePort's dev->connections).
    public static func connections(_ inUse: [PCIAddress]) -> [PCIAddress: Int] {
        var counts: [PCIAddress: Int] = [:]
        for address in inUse { counts[address, default: 0] += 1 }
        return counts
    }

    /// The first VF in pool order that no port holds. An empty pool is libvirt's "No usable Vf's
    /// present"; a full one its "requires exclusive access to interfaces, but none are available".
    public static func pick(pool: [VirtualFunction], inUse: [PCIAddress], network: String) throws(PatchbayError) -> VirtualFunction {
        guard !pool.isEmpty else {
            throw PatchbayError(.operationInvalid, "network '\(network)' (forward mode 'hostdev') has no virtual functions in its pool")
        }
        let counts = connections(inUse)
        guard let free = pool.first(where: { (counts[$0.address] ?? 0) == 0 }) else {
            throw PatchbayError(.operationInvalid,
                                "network '\(network)' requires exclusive access to interfaces, but none are available: the pool is exhausted (all \(pool.count) virtual functions, \(pool.map(\.address.description).joined(separator: ", ")), are in use)")
        }
        return free
    }

    /// A stored port's VF, checked as networkNotifyPort checks it after a restart: it must be in
    /// the pool, and no other port may hold it. `inUse` holds the other ports' addresses.
    public static func claim(_ address: PCIAddress, pool: [VirtualFunction], inUse: [PCIAddress],
                             network: String) throws(PatchbayError) -> VirtualFunction {
        guard let vf = pool.first(where: { $0.address == address }) else {
            throw PatchbayError(.notFound, "network '\(network)' doesn't have PCI device \(address) in its pool")
        }
        if (connections(inUse)[address] ?? 0) > 0 {
            throw PatchbayError(.alreadyExists, "network '\(network)': VF \(address) (vf \(vf.number) of \(vf.pf)) is already in use by a different network port")
        }
        return vf
    }
}
