/// libvirt's `<networkport>` document (virNetworkPortDef, src/conf/virnetworkportdef.h): what
/// `net-port-dumpxml` shows of a port and `net-port-create` reads, as opposed to `NetworkPort`,
/// the record Patchbay keeps of the device it made. Optional values are nil when the XML leaves
/// them out, because libvirt writes back only what was given.
public struct NetworkPortDefinition: Sendable, Hashable, Codable {
    /// How the port reaches the network (virNetworkPortPlugType); nil is libvirt's "none".
    public enum Plug: Sendable, Hashable, Codable {
        /// A bridge the network made (`network`) or one it was given (`bridge`).
        case network(bridge: String, macTableManager: MACTableManager?)
        case bridge(bridge: String, macTableManager: MACTableManager?)
        /// macvtap on a host device.
        case direct(dev: String, mode: DirectMode)
        /// A PCI device assigned to the guest.
        case hostdevPCI(HostdevPCI)
    }

    /// virNetDevMacVLanMode: libvirt reads a missing mode as vepa and always writes it.
    public enum DirectMode: String, Sendable, Hashable, Codable, CaseIterable {
        case vepa, `private`, bridge, passthrough
    }

    public struct HostdevPCI: Sendable, Hashable, Codable {
        public var address: PCIAddress
        public var managed: Bool?
        /// `<driver name model>` (kvm, vfio, xen; a VFIO variant driver), as on `<forward>`.
        public var driverName: String?
        public var driverModel: String?

        public init(address: PCIAddress, managed: Bool? = nil, driverName: String? = nil, driverModel: String? = nil) {
            self.address = address
            self.managed = managed
            self.driverName = driverName
            self.driverModel = driverModel
        }
    }

    public var uuid: NetworkUUID
    public var ownerName: String
    /// libvirt requires it when it reads a port; Patchbay's own ports may have none to show.
    public var ownerUUID: NetworkUUID?
    /// The portgroup the port took its settings from.
    public var group: String?
    public var mac: MACAddress
    public var virtualPort: VirtualPortDefinition?
    public var bandwidth: BandwidthDefinition?
    /// The tc class the port's traffic is shaped in (`<bandwidth classID>`).
    public var bandwidthClassID: UInt32?
    public var vlan: VLANDefinition?
    /// `<port isolated>`.
    public var isolated: Bool?
    /// `<rxfilters trustGuest>`.
    public var trustGuestRxFilters: Bool?
    public var plug: Plug?

    public init(uuid: NetworkUUID, ownerName: String, ownerUUID: NetworkUUID?, mac: MACAddress, plug: Plug? = nil) {
        self.uuid = uuid
        self.ownerName = ownerName
        self.ownerUUID = ownerUUID
        self.mac = mac
        self.plug = plug
    }
}
