import PatchbayModel

/// The kernel operations a network driver needs, as a protocol so that drivers never open a
/// socket themselves: the daemon passes `NetlinkLinkManager`, unit tests of the undo logic pass a
/// recorder that can be told to fail at a given step.
public protocol LinkManaging: Sendable {
    func link(named name: String) throws(PatchbayError) -> LinkSnapshot?
    func linkNames() throws(PatchbayError) -> Set<String>
    func createBridge(name: String, mac: MACAddress?, mtu: Int?, stp: Bool, delaySeconds: Int) throws(PatchbayError)
    func setBridgeOptions(name: String, stp: Bool, delaySeconds: Int) throws(PatchbayError)
    /// Sets the ports of bridge `name` that are disabled while their link is up (the loop
    /// guard's cuts) to forwarding, and returns their names: kernel STP, once on, never enables
    /// such a port, nor lets anyone else.
    func enableDisabledPorts(ofBridge name: String) throws(PatchbayError) -> [String]
    func setMTU(named name: String, _ mtu: Int) throws(PatchbayError)
    func setLinkUp(named name: String, _ up: Bool) throws(PatchbayError)
    func deleteLink(named name: String) throws(PatchbayError)
    /// Equivalent to `ethtool -K NAME tx off`: the kernel computes the checksums of what the host
    /// sends through the bridge (DHCP and DNS replies), which offload would leave to a device a
    /// veth or TAP guest does not have.
    func disableTxChecksumOffload(named name: String) throws(PatchbayError)
    func addAddress(_ address: InterfaceAddress, to name: String) throws(PatchbayError)
    func deleteAddress(_ address: InterfaceAddress, from name: String) throws(PatchbayError)
    func addresses(of name: String) throws(PatchbayError) -> [InterfaceAddress]
}

/// What a driver needs to know about an existing device to decide whether to repair it.
public struct LinkSnapshot: Sendable, Hashable {
    public var name: String
    public var kind: String?
    public var mtu: Int?
    public var mac: MACAddress?
    public var isUp: Bool
    public var stp: Bool?
    /// Forward delay in centiseconds as the kernel reports it.
    public var forwardDelayCentiseconds: Int?

    public init(name: String, kind: String?, mtu: Int?, mac: MACAddress?, isUp: Bool, stp: Bool?, forwardDelayCentiseconds: Int?) {
        self.name = name
        self.kind = kind
        self.mtu = mtu
        self.mac = mac
        self.isUp = isUp
        self.stp = stp
        self.forwardDelayCentiseconds = forwardDelayCentiseconds
    }
}
