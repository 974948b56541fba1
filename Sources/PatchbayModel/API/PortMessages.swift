/// `net-port-create`'s request.
public struct CreatePortRequest: Sendable, Hashable, Codable {
    public var ownerName: String
    public var ownerUUID: NetworkUUID?
    public var mac: MACAddress?
    public var type: NetworkPort.DeviceType
    public var role: NetworkPort.Role?
    public var namespace: String?
    public var peerName: String?
    public var queues: Int?
    public var ownerUID: UInt32?
    public var ownerGID: UInt32?
    /// An existing TAP to put on the bridge instead of creating one (one that QEMU or another
    /// program opened itself).
    public var device: String?
    /// The network's `<portgroup>` to take VLAN, bandwidth and virtual port settings from; nil
    /// takes the default group's, if the network has one.
    public var portGroup: String?
    /// vhost-user: where QEMU will serve the socket; nil lets Patchbay choose one in its
    /// vhost-user directory.
    public var socketPath: String?
    /// A network filter for the port (libvirt's `<filterref filter=…>`), with its parameters
    /// (`IP`, `DHCPSERVER`, …; a name with several values is a list). Its rules are in place
    /// before the device joins the bridge.
    public var filter: String?
    public var filterParameters: [String: [String]]?
    /// The port's own `<bandwidth>` (kilobytes per second, burst in kilobytes), in place of its
    /// portgroup's.
    public var bandwidth: BandwidthDefinition?

    public init(ownerName: String, ownerUUID: NetworkUUID? = nil, mac: MACAddress? = nil, type: NetworkPort.DeviceType = .tap,
                role: NetworkPort.Role? = nil, namespace: String? = nil, peerName: String? = nil, queues: Int? = nil,
                ownerUID: UInt32? = nil, ownerGID: UInt32? = nil, device: String? = nil, portGroup: String? = nil,
                socketPath: String? = nil) {
        self.socketPath = socketPath
        self.device = device
        self.portGroup = portGroup
        self.ownerName = ownerName
        self.ownerUUID = ownerUUID
        self.mac = mac
        self.type = type
        self.role = role
        self.namespace = namespace
        self.peerName = peerName
        self.queues = queues
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
    }
}

/// One row of `domiflist`.
public struct DomainInterface: Sendable, Hashable, Codable {
    public var interface: String
    public var type: String
    public var source: String
    public var model: String
    public var mac: String

    public init(interface: String, type: String, source: String, model: String, mac: String) {
        self.interface = interface
        self.type = type
        self.source = source
        self.model = model
        self.mac = mac
    }
}

/// `domifstat`: the guest's view, as virsh reports it (what the host device transmits, the guest
/// received).
public struct InterfaceStatistics: Sendable, Hashable, Codable {
    public var interface: String
    public var rxBytes: UInt64
    public var rxPackets: UInt64
    public var rxErrs: UInt64
    public var rxDrop: UInt64
    public var txBytes: UInt64
    public var txPackets: UInt64
    public var txErrs: UInt64
    public var txDrop: UInt64

    public init(interface: String, rxBytes: UInt64, rxPackets: UInt64, rxErrs: UInt64, rxDrop: UInt64,
                txBytes: UInt64, txPackets: UInt64, txErrs: UInt64, txDrop: UInt64) {
        self.interface = interface
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.rxErrs = rxErrs
        self.rxDrop = rxDrop
        self.txBytes = txBytes
        self.txPackets = txPackets
        self.txErrs = txErrs
        self.txDrop = txDrop
    }
}
