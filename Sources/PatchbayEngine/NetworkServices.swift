import PatchbayModel

/// The per-network services that run on top of the kernel state (DHCP and DNS): started after
/// the bridge is up and its firewall in place, stopped before it goes. A protocol so the engine
/// never opens a socket.
public protocol NetworkServices: Sendable {
    /// Starts the services of an active network for `definition`, or brings running ones to it
    /// (in place where the sockets can stay). All or nothing: on failure what ran before runs as
    /// before.
    func start(_ definition: NetworkDefinition) async throws(PatchbayError)
    func stop(_ network: String) async
}

/// No services: for engine tests that are about the kernel steps only.
public struct NoNetworkServices: NetworkServices {
    public init() {}
    public func start(_ definition: NetworkDefinition) async throws(PatchbayError) {}
    public func stop(_ network: String) async {}
}
