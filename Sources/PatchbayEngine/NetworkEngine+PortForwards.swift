import NFTables
import PatchbayModel
import PatchbayStore

extension NetworkEngine {
    /// `net-forward-list NET`.
    public func portForwards(_ name: String) async throws(PatchbayError) -> [PortForward] {
        _ = try await requireRecord(name)
        return try await store.portForwards(network: name)
    }

    /// `net-forward-add`: stored, and applied at once if the network runs; a forward the
    /// firewall refuses is not kept.
    public func addPortForward(_ forward: PortForward) async throws(PatchbayError) -> PortForward {
        try await withNetworkLock(forward.network) { () async throws(PatchbayError) -> PortForward in
            let record = try await requireRecord(forward.network)
            try Self.validate(forward, in: record)
            // The store checks overlaps with every network's forwards in the insert's transaction.
            try await store.insert(forward)
            if record.live != nil {
                do throws(PatchbayError) {
                    try await commitFirewall()
                } catch {
                    try? await store.delete(forward)
                    _ = try? await commitFirewall()
                    throw error
                }
            }
            logger.info("port forward added", metadata: ["network": "\(record.name)", "forward": "\(forward)"])
            return forward
        }
    }

    static func validate(_ forward: PortForward, in record: NetworkRecord) throws(PatchbayError) {
        let definition = record.current
        guard definition.forward.mode == .nat else {
            throw PatchbayError(.operationInvalid,
                                "network '\(record.name)' is not a nat network (forward mode '\(definition.forward.mode.rawValue)'); port forwards need NAT")
        }
        guard forward.hostPortStart > 0, forward.hostPortStart <= forward.hostPortEnd else {
            throw PatchbayError(.invalidArgument, "host port range \(forward.hostPorts) is not valid: ports run from 1 to 65535, first to last")
        }
        if forward.guestPort == 0 { throw PatchbayError(.invalidArgument, "guest port 0 is not valid") }
        let subnets = definition.interfaceAddresses.filter { $0.address.isIPv4 }
        guard let subnet = subnets.first(where: { IPAddress.v4(forward.guestAddress).isInSubnet(of: $0.address, prefixLength: $0.prefixLength) }) else {
            throw PatchbayError(.invalidArgument, "\(forward.guestAddress) is not in the subnets of network '\(record.name)' (\(subnets.map(\.description).joined(separator: ", ")))")
        }
        if IPAddress.v4(forward.guestAddress) == subnet.address {
            throw PatchbayError(.invalidArgument, "\(forward.guestAddress) is the host's own address on network '\(record.name)', not a guest")
        }
    }

    /// `net-forward-delete NET --proto P --host-port N`: removes the forward that starts at N.
    /// The rules go first; only then is the forward forgotten.
    public func deletePortForward(network: String, transport: PortForward.TransportProtocol, hostPort: UInt16) async throws(PatchbayError) -> PortForward {
        try await withNetworkLock(network) { () async throws(PatchbayError) -> PortForward in
            let record = try await requireRecord(network)
            guard let forward = try await store.portForwards(network: network).first(where: {
                $0.transport == transport && $0.hostPortStart == hostPort
            }) else {
                throw PatchbayError(.notFound, "network '\(network)' has no \(transport.rawValue) forward of host port \(hostPort)")
            }
            try await store.delete(forward)
            if record.live != nil {
                do throws(PatchbayError) {
                    try await commitFirewall()
                } catch {
                    // The forward stays in force in the kernel: keep it stored, as it is.
                    try? await store.insert(forward)
                    throw error
                }
            }
            logger.info("port forward deleted", metadata: ["network": "\(network)", "forward": "\(forward)"])
            return forward
        }
    }
}
