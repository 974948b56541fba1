
import PatchbayModel

/// The firewall as the engine sees it (the daemon gives it `NFTablesFirewall`; engine tests a
/// recording fake).
public protocol FirewallApplying: Sendable {
    /// Installs or replaces a network's rules.
    func apply(_ network: FirewallNetwork) throws(PatchbayError)
    /// Removes a network's rules; unknown networks are not an error.
    func remove(_ network: String) throws(PatchbayError)
    /// At daemon start: the rules of every running network, re-applied only if the kernel
    /// differs. Returns whether anything was re-applied.
    func restore(_ networks: [FirewallNetwork]) throws(PatchbayError) -> Bool
    /// Turns on IP forwarding for nat and route networks.
    func enableForwarding(ipv6: Bool) throws(PatchbayError)
}
