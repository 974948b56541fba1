import PatchbayModel

/// Where port forwards live: with the networks, so they come back after a restart.
public protocol PortForwardStore: Sendable {
    func portForwards() async throws(PatchbayError) -> [PortForward]
    /// `.alreadyExists` when a forward of the same protocol already claims a host port of it.
    func insert(_ forward: PortForward) async throws(PatchbayError)
    func delete(_ forward: PortForward) async throws(PatchbayError)
}

extension PortForwardStore {
    public func portForwards(network: String) async throws(PatchbayError) -> [PortForward] {
        try await portForwards().filter { $0.network == network }
    }

    public static func overlapError(_ clash: PortForward) -> PatchbayError {
        PatchbayError(.alreadyExists, "\(clash.transport.rawValue) port \(clash.hostPorts) is already forwarded to \(clash.destination) on network '\(clash.network)'")
    }
}
