import PatchbayModel

/// Where network ports live.
public protocol PortStore: Sendable {
    /// Every port; rows that cannot be read are reported as an error rather than left out, so a
    /// port whose device lives on never silently disappears from listings.
    func ports() async throws(PatchbayError) -> [NetworkPort]
    /// `.alreadyExists` when another port has the same UUID, MAC address or device name: the
    /// check and the insert are one transaction, so two requests cannot both win.
    func insert(_ port: NetworkPort) async throws(PatchbayError)
    /// Replaces the port with the same UUID (the same uniqueness checks as insert).
    func update(_ port: NetworkPort) async throws(PatchbayError)
    func delete(port uuid: NetworkUUID) async throws(PatchbayError)
}

extension PortStore {
    public func ports(network: String) async throws(PatchbayError) -> [NetworkPort] {
        try await ports().filter { $0.network == network }
    }

    /// The clash that makes `port` unstorable beside `others`, if any.
    public static func clash(of port: NetworkPort, with others: [NetworkPort]) -> PatchbayError? {
        for other in others where other.uuid != port.uuid {
            if other.mac == port.mac {
                return PatchbayError(.alreadyExists, "MAC address \(port.mac) is already used by port \(other.uuid) of \(other.ownerName) on network '\(other.network)'")
            }
            if other.device == port.device {
                return PatchbayError(.alreadyExists, "device '\(port.device)' already belongs to port \(other.uuid) on network '\(other.network)'")
            }
        }
        return nil
    }

    /// Ports are stored without their listing-only state.
    public static func storable(_ port: NetworkPort) -> NetworkPort {
        var copy = port
        copy.state = nil
        return copy
    }
}
