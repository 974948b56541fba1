import PatchbayModel

/// Where network ports live.
public protocol PortStore: Sendable {
    /// Every port; rows that cannot be read are reported as an error rather than left out, so a
    /// port whose device lives on never silently disappears from listings.
    func ports() async throws(PatchbayError) -> [NetworkPort]
    /// The ports of one network: listing a network must not read every other network's ports.
    func ports(network: String) async throws(PatchbayError) -> [NetworkPort]
    /// The port with this UUID, nil when there is none. Creating, deleting and sweeping a port
    /// look up one record, so their cost does not grow with the number of ports.
    func port(uuid: NetworkUUID) async throws(PatchbayError) -> NetworkPort?
    /// A port with this MAC address, nil when there is none (insert keeps MACs unique; rows of
    /// older versions may not be, and then any of them is returned).
    func port(withMAC mac: MACAddress) async throws(PatchbayError) -> NetworkPort?
    /// A port with this device name, nil when there is none (unique as MACs are).
    func port(withDevice device: String) async throws(PatchbayError) -> NetworkPort?
    /// The ports whose device can go away without Patchbay removing it: adopted TAPs (QEMU
    /// closes them) and veth pairs (their namespace is deleted). The sweep reads these every
    /// second, and must not read the TAPs Patchbay keeps, however many there are.
    func portsThatMayVanish() async throws(PatchbayError) -> [NetworkPort]
    /// `.alreadyExists` when another port has the same UUID, MAC address or device name: the
    /// check and the insert are one transaction, so two requests cannot both win.
    func insert(_ port: NetworkPort) async throws(PatchbayError)
    /// Replaces the port with the same UUID (the same uniqueness checks as insert).
    func update(_ port: NetworkPort) async throws(PatchbayError)
    func delete(port uuid: NetworkUUID) async throws(PatchbayError)
}

extension PortStore {
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

    /// Whether the port's device can vanish without Patchbay removing it (see
    /// `portsThatMayVanish`).
    public static func mayVanish(_ port: NetworkPort) -> Bool { port.adopted || port.type == .veth || port.holderPID != nil }

    /// Ports are stored without their listing-only state.
    public static func storable(_ port: NetworkPort) -> NetworkPort {
        var copy = port
        copy.state = nil
        return copy
    }
}
