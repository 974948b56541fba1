// The SR-IOV records a hostdev port keeps (stored with the port, so they outlive restarts).

/// An SR-IOV virtual function of a hostdev network's pool: its PF (by netdev name), its number
/// on the PF (N of the PF's `virtfnN` link, the `vf N` of `ip link set dev PF vf N`), its PCI
/// address, and what holds it now.
public struct VirtualFunction: Sendable, Hashable, Codable {
    public var pf: String
    public var number: UInt32
    public var address: PCIAddress
    /// The VF's own network device while a host network driver has it (gone once vfio-pci does).
    public var netdev: String?
    /// The driver bound to it now (the basename of its `driver` link), nil for none.
    public var driver: String?

    public init(pf: String, number: UInt32, address: PCIAddress, netdev: String? = nil, driver: String? = nil) {
        self.pf = pf
        self.number = number
        self.address = address
        self.netdev = netdev
        self.driver = driver
    }
}


/// A VF prepared for a port, with what is needed to give it back: stored with the port, passed
/// to `release`. `plug` is the port's `<plug type='hostdev-pci'>`.
public struct HostdevAssignment: Sendable, Hashable, Codable {
    public var vf: VirtualFunction
    /// Whether `prepare` bound the VF to vfio-pci (a VF already there is not given back, as
    /// libvirt's virPCIDeviceBindToStub leaves unbind_from_stub unset for it).
    public var boundToVFIO: Bool
    /// The driver that had the VF before (nil for none), for the log and `net-port-dumpxml`.
    public var previousDriver: String?
    /// The VF's administrative MAC and VLAN before the port's were set (libvirt's
    /// virNetDevSaveNetConfig "adminMac" and "vlanTag"); nil when the PF did not report them.
    public var previousMAC: MACAddress?
    public var previousVLAN: UInt16?
    public var plug: NetworkPortDefinition.HostdevPCI

    public init(vf: VirtualFunction, boundToVFIO: Bool, previousDriver: String?, previousMAC: MACAddress?, previousVLAN: UInt16?,
                plug: NetworkPortDefinition.HostdevPCI) {
        self.vf = vf
        self.boundToVFIO = boundToVFIO
        self.previousDriver = previousDriver
        self.previousMAC = previousMAC
        self.previousVLAN = previousVLAN
        self.plug = plug
    }
}
