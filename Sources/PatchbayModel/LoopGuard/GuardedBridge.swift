/// A bridge the loop guard watches: the bridge of an active network whose definition asks for
/// STP, under Patchbay's loop protection. The engine pushes the whole set whenever a network
/// starts or stops, so the guard never waits on the engine.
public struct GuardedBridge: Sendable, Hashable {
    public var network: String
    public var bridge: String
    /// Ports that are uplinks (`NetworkPort.Role.uplink`): never probed, never disabled. A loop
    /// through one is cut at the guest's port.
    public var uplinks: Set<String>

    public init(network: String, bridge: String, uplinks: Set<String> = []) {
        self.network = network
        self.bridge = bridge
        self.uplinks = uplinks
    }
}
