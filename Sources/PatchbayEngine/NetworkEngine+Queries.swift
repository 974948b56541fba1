import LibvirtXML
import PatchbayModel
import PatchbayStore

extension NetworkEngine {
    public func list() async throws(PatchbayError) -> [NetworkSummary] {
        try await store.networks().map(\.summary)
    }

    public func info(_ name: String) async throws(PatchbayError) -> NetworkSummary {
        var summary = try await requireRecord(name).summary
        summary.openvswitch = try await ovsBridgeInfo(network: name)
        return summary
    }

    /// The definition as `virsh net-dumpxml` prints it: the running one while active unless
    /// `inactive` asks for the persistent one.
    public func xml(_ name: String, inactive: Bool) async throws(PatchbayError) -> String {
        let record = try await requireRecord(name)
        return NetworkXML.format(inactive ? record.definition : record.current, inactive: inactive)
    }

    /// `net-dhcp-leases NET [MAC]`: the leases of an active network, from the store (every lease
    /// there was committed before its ACK went out), with the prefix of the subnet each is in.
    public func leases(_ name: String, mac: MACAddress? = nil) async throws(PatchbayError) -> [DHCPLeaseInfo] {
        let record = try await requireRecord(name)
        guard let live = record.live else { throw PatchbayError(.operationInvalid, "network '\(name)' is not active") }
        let subnets = live.interfaceAddresses.filter { $0.address.isIPv4 }
        return try await store.leases(network: name).filter { mac == nil || $0.mac == mac }.map { lease in
            let prefix = subnets.first { IPAddress.v4(lease.ip).isInSubnet(of: $0.address, prefixLength: $0.prefixLength) }?.prefixLength ?? 32
            return DHCPLeaseInfo(expiryTime: lease.expiresAt, mac: lease.mac.description, protocolName: "ipv4", ipAddress: lease.ip.description,
                                 prefix: prefix, hostname: lease.hostname, clientID: lease.clientIDText)
        }
    }
}

extension NetworkEngine {
    /// Whether the active network `name` is a direct (macvtap) one: the bridge helper's `br=`
    /// names such a network, which has no bridge.
    public func isDirect(_ name: String) async throws(PatchbayError) -> Bool {
        guard let live = try await requireRecord(name).live else { return false }
        return PortPlacement(live).isDirect
    }
}
