/// The operation a network is in the middle of, written to the store before the first kernel
/// step and cleared in the same write that records its outcome. A daemon that dies between the
/// two finds it at its next start and finishes or undoes the operation (see DESIGN.md,
/// "Operations"), so no half-started network can block `net-start` or autostart.
public struct NetworkIntent: Sendable, Hashable, Codable {
    public enum Phase: String, Sendable, Hashable, Codable {
        /// `net-start`: the kernel objects of `target` are being created. Recovery undoes it.
        case starting
        /// `net-destroy`: the network's kernel objects are being removed. Recovery finishes it.
        case stopping
        /// `net-undefine` of an inactive network: its ports are being removed before the record
        /// goes. Recovery finishes it.
        case undefining
    }

    public var phase: Phase
    /// The definition the operation works on: the one being started, or the live one being
    /// stopped.
    public var target: NetworkDefinition?
    /// A device name chosen for this operation and recorded before the device is created, so
    /// that recovery can tell the device is Patchbay's even if the daemon died before tagging it
    /// (bridges are created under this name, tagged, then renamed).
    public var temporaryDevice: String?

    public init(phase: Phase, target: NetworkDefinition? = nil, temporaryDevice: String? = nil) {
        self.phase = phase
        self.target = target
        self.temporaryDevice = temporaryDevice
    }
}
