/// A guest's attachment to a network (libvirt's `<networkport>`): who owns it, its MAC, and the
/// device Patchbay made for it, a persistent TAP for QEMU or a veth pair whose far end lives in a
/// network namespace. Stored, so it outlives daemon restarts.
///
/// A port's identity is its UUID, and its device is known by name, interface index and the
/// ownership tag on the device (`OwnershipTag.port`): a name alone can be reused by the kernel
/// for someone else's device the moment the old one goes.
public struct NetworkPort: Sendable, Hashable, Codable {
    public enum DeviceType: String, Sendable, Hashable, Codable, CaseIterable {
        case tap, veth
        /// A macvtap device on one of a direct network's NICs (`<forward mode='bridge|private|
        /// vepa|passthrough'>` with `<interface dev>`s): QEMU opens it as /dev/tapIFINDEX.
        case macvtap
        /// An SR-IOV virtual function assigned to the guest (`<forward mode='hostdev'>`): no
        /// device of the host's; `device` names the VF by its PCI address.
        case hostdev
        /// A vhost-user port on an Open vSwitch network whose ovs-vswitchd runs DPDK
        /// (libvirt's `<interface type='vhostuser'>`): QEMU serves the socket at `socketPath`,
        /// OVS's `dpdkvhostuserclient` interface named `device` connects to it. No kernel device.
        case vhostuser
    }

    /// What the port connects. Mechanisms that judge guests (the loop guard, the DHCP server's
    /// per-port share, filters) never act on an uplink: a host NIC is not a guest.
    public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
        case guest, uplink
    }

    /// An operation in progress on the port, written before its kernel steps (see
    /// `NetworkIntent`): recovery removes a port left `creating` or `deleting`.
    public enum Phase: String, Sendable, Hashable, Codable {
        case creating, deleting
    }

    public var uuid: NetworkUUID
    public var network: String
    public var ownerName: String
    public var ownerUUID: NetworkUUID?
    public var mac: MACAddress
    public var type: DeviceType
    public var role: Role
    /// The host-side device: `vnetN`, enslaved to the network's bridge.
    public var device: String
    /// The device's interface index once it exists (nil for ports stored by versions that did not
    /// record it, until the next reconciliation tags and records their device).
    public var interfaceIndex: Int32?
    /// The name the device is created under before it is tagged and renamed (see
    /// `NetworkIntent.temporaryDevice`); nil once the port is ready.
    public var temporaryDevice: String?
    public var phase: Phase?
    /// veth: the namespace (a name under /run/netns) holding the peer, and the peer's name there.
    public var namespace: String?
    public var peerName: String?
    /// TAP: queues (more than one makes it multiqueue) and the uid/gid allowed to open it.
    public var queues: Int
    public var ownerUID: UInt32?
    public var ownerGID: UInt32?
    /// A TAP someone else opened (QEMU, through `patchbay-bridge-helper`): it disappears when its
    /// last descriptor closes, and the port goes with it.
    public var adopted: Bool
    /// The local user whose request created the port (the bridge helper's caller), when it was not
    /// made through the administrators' API socket.
    public var requestedBy: UInt32?
    /// macvtap: the NIC of the network's pool the device sits on (what libvirt counts as that
    /// NIC's connections), and the network's mode when the port was made.
    public var lowerDevice: String?
    public var directMode: NetworkPortDefinition.DirectMode?
    /// macvtap passthrough: the NIC's own MAC before the guest's replaced it, put back when the
    /// port goes (libvirt's virNetDevSaveNetConfig/virNetDevRestoreNetConfig).
    public var savedLowerMAC: MACAddress?
    /// A macvtap the bridge helper made for a QEMU process: removed when that process is gone
    /// (a macvtap, unlike a TAP, outlives its last descriptor). The pid and its start time
    /// (field 22 of /proc/PID/stat), so a reused pid is not taken for the same process.
    public var holderPID: Int32?
    public var holderStartTime: UInt64?
    /// The portgroup the port was made in (`<group>` of libvirt's `<networkport>`), and what the
    /// port inherited from it or from the network when it was made (networkAllocatePort).
    public var group: String?
    public var vlan: VLANDefinition?
    public var bandwidth: BandwidthDefinition?
    public var virtualPort: VirtualPortDefinition?
    public var trustGuestRxFilters: Bool?
    /// hostdev: the VF the port holds and what giving it back needs.
    public var hostdev: HostdevAssignment?
    /// vhost-user: the unix socket QEMU serves (`-chardev socket,path=...,server=on`).
    public var socketPath: String?
    /// Not stored: filled in by listings from the kernel.
    public var state: PortState?
    /// The port's bridge flags (`net-port-set`), applied whenever it is plugged (issue 13).
    public var bridgeControls: PortBridgeControls?
    /// The network's `<port isolated='yes'/>` when the port was plugged last, inherited as group
    /// and bandwidth are; the port's own `bridgeControls.isolated` overrides it (issue 13).
    public var isolatedByNetwork: Bool = false

    /// What the port's bridge flags should be in the kernel.
    public var effectiveBridgeControls: PortBridgeControls {
        PortBridgeControls.effective(port: bridgeControls, networkIsolated: isolatedByNetwork, isUplink: role == .uplink)
    }

    public init(uuid: NetworkUUID, network: String, ownerName: String, ownerUUID: NetworkUUID?, mac: MACAddress,
                type: DeviceType, device: String, role: Role = .guest, namespace: String? = nil, peerName: String? = nil,
                queues: Int = 1, ownerUID: UInt32? = nil, ownerGID: UInt32? = nil, adopted: Bool = false) {
        self.adopted = adopted
        self.uuid = uuid
        self.network = network
        self.ownerName = ownerName
        self.ownerUUID = ownerUUID
        self.mac = mac
        self.type = type
        self.role = role
        self.device = device
        self.namespace = namespace
        self.peerName = peerName
        self.queues = queues
        self.ownerUID = ownerUID
        self.ownerGID = ownerGID
    }

    public var tag: OwnershipTag { .port(uuid) }

    enum CodingKeys: String, CodingKey {
        case uuid, network, ownerName, ownerUUID, mac, type, role, device, interfaceIndex, temporaryDevice, phase
        case namespace, peerName, queues, ownerUID, ownerGID, adopted, requestedBy, state
        case lowerDevice, directMode, savedLowerMAC, holderPID, holderStartTime, group, vlan, bandwidth, virtualPort, trustGuestRxFilters, hostdev
        case bridgeControls, isolatedByNetwork, socketPath
    }

    /// Rows written before roles, indexes and phases existed decode with their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        uuid = try c.decode(NetworkUUID.self, forKey: .uuid)
        network = try c.decode(String.self, forKey: .network)
        ownerName = try c.decode(String.self, forKey: .ownerName)
        ownerUUID = try c.decodeIfPresent(NetworkUUID.self, forKey: .ownerUUID)
        mac = try c.decode(MACAddress.self, forKey: .mac)
        type = try c.decode(DeviceType.self, forKey: .type)
        role = try c.decodeIfPresent(Role.self, forKey: .role) ?? .guest
        device = try c.decode(String.self, forKey: .device)
        interfaceIndex = try c.decodeIfPresent(Int32.self, forKey: .interfaceIndex)
        temporaryDevice = try c.decodeIfPresent(String.self, forKey: .temporaryDevice)
        phase = try c.decodeIfPresent(Phase.self, forKey: .phase)
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        peerName = try c.decodeIfPresent(String.self, forKey: .peerName)
        queues = try c.decodeIfPresent(Int.self, forKey: .queues) ?? 1
        ownerUID = try c.decodeIfPresent(UInt32.self, forKey: .ownerUID)
        ownerGID = try c.decodeIfPresent(UInt32.self, forKey: .ownerGID)
        adopted = try c.decodeIfPresent(Bool.self, forKey: .adopted) ?? false
        requestedBy = try c.decodeIfPresent(UInt32.self, forKey: .requestedBy)
        state = try c.decodeIfPresent(PortState.self, forKey: .state)
        lowerDevice = try c.decodeIfPresent(String.self, forKey: .lowerDevice)
        directMode = try c.decodeIfPresent(NetworkPortDefinition.DirectMode.self, forKey: .directMode)
        savedLowerMAC = try c.decodeIfPresent(MACAddress.self, forKey: .savedLowerMAC)
        holderPID = try c.decodeIfPresent(Int32.self, forKey: .holderPID)
        holderStartTime = try c.decodeIfPresent(UInt64.self, forKey: .holderStartTime)
        group = try c.decodeIfPresent(String.self, forKey: .group)
        vlan = try c.decodeIfPresent(VLANDefinition.self, forKey: .vlan)
        bandwidth = try c.decodeIfPresent(BandwidthDefinition.self, forKey: .bandwidth)
        virtualPort = try c.decodeIfPresent(VirtualPortDefinition.self, forKey: .virtualPort)
        trustGuestRxFilters = try c.decodeIfPresent(Bool.self, forKey: .trustGuestRxFilters)
        hostdev = try c.decodeIfPresent(HostdevAssignment.self, forKey: .hostdev)
        bridgeControls = try c.decodeIfPresent(PortBridgeControls.self, forKey: .bridgeControls)
        isolatedByNetwork = try c.decodeIfPresent(Bool.self, forKey: .isolatedByNetwork) ?? false
        socketPath = try c.decodeIfPresent(String.self, forKey: .socketPath)
    }
}

/// What a listing reports about a port's device, read from the kernel at the time of the listing.
public enum PortState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case forwarding, disabled, listening, learning, blocking
    /// The device exists and is a port of the bridge but has no link (nobody holds the TAP).
    case noCarrier = "no-carrier"
    /// The device exists but is not a port of the network's bridge.
    case detached
    /// The device is gone.
    case missing
    /// Being created or deleted.
    case pending

    public init(_ status: BridgePortStatus) {
        guard status.carrier else { self = .noCarrier; return }
        switch status.state {
        case .disabled: self = .disabled
        case .listening: self = .listening
        case .learning: self = .learning
        case .forwarding: self = .forwarding
        case .blocking: self = .blocking
        }
    }

    public var description: String { rawValue }
}
