import Logging
import PatchbayModel

/// One driver per kind of network (Incus' network_interface.go shape): how a network of that
/// kind is brought up, taken down, and repaired after a daemon restart. Every kernel object a
/// driver creates carries the network's `OwnershipTag`, and a driver deletes or adopts only
/// objects that carry it.
protocol NetworkDriver: Sendable {
    /// Brings the network's kernel objects up; on failure everything done so far is undone before
    /// throwing. `temporaryDevice` is the name recorded in the network's intent, under which a new
    /// device is created before it is tagged.
    func start(_ definition: NetworkDefinition, temporaryDevice: String) async throws(PatchbayError)
    /// Takes them down; missing pieces are not an error, and a device that is not the network's
    /// own is left alone. With `adoptUntagged`, an untagged device of the right name counts as
    /// the network's (one started by a version that did not tag).
    func stop(_ definition: NetworkDefinition, temporaryDevice: String?, adoptUntagged: Bool) async throws(PatchbayError)
    /// Compares the kernel with the definition and repairs only what differs; never deletes and
    /// re-creates something that is there, so guests keep their traffic across daemon restarts.
    /// Returns a description of each repair made.
    func reconcile(_ definition: NetworkDefinition, adoptUntagged: Bool) async throws(PatchbayError) -> [String]
}
