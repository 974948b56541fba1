/// The alias `iface-bridge` writes on the bridge it makes for a host NIC:
/// `patchbay:host-bridge:<NIC>`. It is not an `OwnershipTag` on purpose: the bridge belongs to
/// the host, not to a network, so reconciliation must never adopt or delete it; only
/// `iface-unbridge` reads it, to refuse bridges it did not make and to know which NIC to give
/// the addresses back to. The kernel keeps it with the bridge, so nothing else is stored.
public struct HostBridgeTag: Sendable, Hashable, CustomStringConvertible {
    public var nic: String

    static let prefix = "patchbay:host-bridge:"

    public init(nic: String) { self.nic = nic }

    public init?(_ alias: String?) {
        guard let alias, alias.hasPrefix(Self.prefix), alias.count > Self.prefix.count else { return nil }
        nic = String(alias.dropFirst(Self.prefix.count))
    }

    public var description: String { Self.prefix + nic }
}
