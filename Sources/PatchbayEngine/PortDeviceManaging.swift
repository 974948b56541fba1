import PatchbayModel

/// The kernel devices behind network ports.
public protocol PortDeviceManaging: Sendable {
    /// Creates a persistent TAP from a name template ("vnet%d") and returns its name.
    func createTap(template: String, multiQueue: Bool, owner: UInt32?, group: UInt32?) throws(PatchbayError) -> String
    /// Creates a veth pair with `peer` in the namespace at `namespacePath`, carrying `mac`.
    func createVeth(name: String, peer: String, peerMAC: MACAddress, namespacePath: String) throws(PatchbayError)
    func setMAC(named name: String, _ mac: MACAddress) throws(PatchbayError)
    func setMaster(named name: String, master: String?) throws(PatchbayError)
    func setLinkUp(named name: String, _ up: Bool) throws(PatchbayError)
    func deleteLink(named name: String) throws(PatchbayError)
    func exists(_ name: String) throws(PatchbayError) -> Bool
    func linkNames() throws(PatchbayError) -> Set<String>
    /// The ports of bridge `name` by device name (none when the bridge does not exist).
    func bridgePortStates(ofBridge name: String) throws(PatchbayError) -> [String: BridgePortStatus]
    /// The host device's counters, from the guest's side (rx and tx swapped, as virsh does).
    func guestStatistics(of name: String) throws(PatchbayError) -> InterfaceStatistics?
}
