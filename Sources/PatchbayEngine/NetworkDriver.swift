import Logging
import PatchbayModel

/// One driver per forward mode (Incus' network_interface.go shape): how a network of that mode is
/// brought up, taken down, and repaired after a daemon restart.
protocol NetworkDriver: Sendable {
    /// Brings the network up; on failure everything done so far is undone before throwing.
    func start(_ definition: NetworkDefinition) throws(PatchbayError)
    /// Takes the network down; missing pieces are not an error (someone may have removed them).
    func stop(_ definition: NetworkDefinition) throws(PatchbayError)
    /// Compares the kernel with the definition and repairs only what differs; never deletes and
    /// re-creates something that is there, so guests keep their traffic across daemon restarts.
    /// Returns a description of each repair made.
    func reconcile(_ definition: NetworkDefinition) throws(PatchbayError) -> [String]
}
