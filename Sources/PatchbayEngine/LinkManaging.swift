import PatchbayModel

/// The kernel operations the engine needs, as a protocol so that the engine never opens a socket
/// itself: the daemon passes `KernelLinks` (rtnetlink on a thread of its own), unit tests a
/// recorder that can be told to fail or stall at a given step.
///
/// Operations that change a device take its interface index: the engine looks a device up,
/// checks its ownership tag (`OwnershipTag`), and then acts on the index it checked.
public protocol LinkManaging: BridgeControlManaging, LinkCounterReading {
    func links() async throws(PatchbayError) -> [LinkSnapshot]
    func link(named name: String) async throws(PatchbayError) -> LinkSnapshot?
    func link(index: Int32) async throws(PatchbayError) -> LinkSnapshot?

    /// Creates a bridge (down, without an alias) and returns it.
    func createBridge(name: String, mac: MACAddress?, mtu: Int?, stp: Bool, delaySeconds: Int) async throws(PatchbayError) -> LinkSnapshot
    func setBridgeOptions(index: Int32, stp: Bool, delaySeconds: Int) async throws(PatchbayError)
    /// Sets the ports of the bridge that are disabled while their link is up (the loop guard's
    /// cuts) to forwarding, and returns their names: kernel STP, once on, never enables such a
    /// port, nor lets anyone else.
    func enableDisabledPorts(ofBridge index: Int32) async throws(PatchbayError) -> [String]
    /// Equivalent to `ethtool -K NAME tx off`: the kernel computes the checksums of what the host
    /// sends through the bridge (DHCP and DNS replies), which offload would leave to a device a
    /// veth or TAP guest does not have.
    func disableTxChecksumOffload(named name: String) async throws(PatchbayError)
    /// The same for a device in the network namespace `namespace` (a name under /run/netns): a
    /// veth guest on Open vSwitch's userspace datapath, which forwards frames as read from the
    /// packet socket and so never fills in a checksum the sender left to offload.
    func disableTxChecksumOffload(named name: String, namespace: String) async throws(PatchbayError)

    func setAlias(index: Int32, _ alias: String) async throws(PatchbayError)
    func rename(index: Int32, to name: String) async throws(PatchbayError)
    func setMTU(index: Int32, _ mtu: Int) async throws(PatchbayError)
    func setMAC(index: Int32, _ mac: MACAddress) async throws(PatchbayError)
    func setLinkUp(index: Int32, _ up: Bool) async throws(PatchbayError)
    /// Makes the device a port of the bridge `masterIndex` (0: of none).
    func setMaster(index: Int32, masterIndex: Int32) async throws(PatchbayError)
    func deleteLink(index: Int32) async throws(PatchbayError)

    func addAddress(_ address: InterfaceAddress, index: Int32) async throws(PatchbayError)
    func deleteAddress(_ address: InterfaceAddress, index: Int32) async throws(PatchbayError)
    func addresses(index: Int32) async throws(PatchbayError) -> [InterfaceAddress]

    /// Creates a persistent TAP named exactly `name` (an existing device of that name is an
    /// error, never a TAP to attach to), with vnet_hdr, down.
    func createTap(name: String, multiQueue: Bool, owner: UInt32?, group: UInt32?) async throws(PatchbayError) -> LinkSnapshot
    /// Creates a veth pair `name` / `peer`, the peer in the namespace named `namespace` (under
    /// /run/netns) with `peerMAC`; returns the host end.
    func createVeth(name: String, peer: String, peerMAC: MACAddress, namespace: String) async throws(PatchbayError) -> LinkSnapshot
    func namespaceExists(_ name: String) async -> Bool
    /// Creates a macvtap (down, without an alias) on the device `lowerIndex`, in `mode`, with
    /// `mac`, and returns it.
    func createMacvtap(name: String, lowerIndex: Int32, mode: NetworkPortDefinition.DirectMode, mac: MACAddress) async throws(PatchbayError) -> LinkSnapshot
    /// When the process `pid` started (field 22 of /proc/PID/stat, in clock ticks since boot);
    /// nil when there is no such process. A pid and its start time name one process for good.
    func processStartTime(_ pid: Int32) async -> UInt64?
    /// Whether the bridge filters VLANs; nil when the kernel cannot (no
    /// CONFIG_BRIDGE_VLAN_FILTERING).
    func bridgeVLANFiltering(index: Int32) async throws(PatchbayError) -> Bool?
    /// Puts the bridge port in `entries`' VLANs, leaving the default VLAN 1 unless it is one of them.
    func setBridgeVLANs(portIndex: Int32, _ entries: [BridgeVLANEntry]) async throws(PatchbayError)

    /// The ports of the bridge with index `bridgeIndex`.
    func bridgePorts(ofBridge bridgeIndex: Int32) async throws(PatchbayError) -> [BridgePortStatus]
    /// The device's counters, from the guest's side (rx and tx swapped, as virsh does); nil
    /// when the device is gone.
    func guestStatistics(index: Int32) async throws(PatchbayError) -> InterfaceStatistics?
}

/// What the engine needs to know about an existing device.
public struct LinkSnapshot: Sendable, Hashable {
    public var name: String
    public var index: Int32
    /// "bridge", "veth", "tun", ... nil for devices without a kind (lo).
    public var kind: String?
    public var mtu: Int?
    public var mac: MACAddress?
    public var isUp: Bool
    /// IFLA_IFALIAS: Patchbay's `OwnershipTag` on the devices it made.
    public var alias: String?
    public var masterIndex: Int32?
    public var stp: Bool?
    /// Forward delay in centiseconds as the kernel reports it.
    public var forwardDelayCentiseconds: Int?
    /// macvtap: the device it sits on (IFLA_LINK) and its mode.
    public var lowerIndex: Int32?
    public var directMode: NetworkPortDefinition.DirectMode?

    public init(name: String, index: Int32, kind: String?, mtu: Int? = nil, mac: MACAddress? = nil, isUp: Bool = false,
                alias: String? = nil, masterIndex: Int32? = nil, stp: Bool? = nil, forwardDelayCentiseconds: Int? = nil,
                lowerIndex: Int32? = nil, directMode: NetworkPortDefinition.DirectMode? = nil) {
        self.lowerIndex = lowerIndex
        self.directMode = directMode
        self.name = name
        self.index = index
        self.kind = kind
        self.mtu = mtu
        self.mac = mac
        self.isUp = isUp
        self.alias = alias
        self.masterIndex = masterIndex
        self.stp = stp
        self.forwardDelayCentiseconds = forwardDelayCentiseconds
    }

    public var tag: OwnershipTag? { alias.flatMap(OwnershipTag.init) }
}

// MARK: - Bridge controls (issue 13, item 7)

/// The bridge controls' kernel operations. A separate protocol that `LinkManaging` refines, so
/// the block of requirements stays in one place of this shared file.
public protocol BridgeControlManaging: Sendable {
    /// Equivalent to `ip link set dev BR type bridge priority P hello_time HT max_age MA
    /// ageing_time AT`, only the values given.
    func setBridgeControls(index: Int32, _ controls: BridgeControls) async throws(PatchbayError)
    /// The bridge's current values (`ip -d link show BR`), nil when the device is gone.
    func bridgeControls(index: Int32) async throws(PatchbayError) -> BridgeControls?
    /// Equivalent to `bridge link set dev PORT isolated .. learning .. priority .. cost ..`.
    func setPortBridgeControls(index: Int32, _ controls: PortBridgeControls) async throws(PatchbayError)
    /// The port's current flags (`ip -d link show PORT`), nil when it is gone or no bridge port.
    func portBridgeControls(index: Int32) async throws(PatchbayError) -> PortBridgeControls?
    /// Equivalent to `bridge fdb show br BR`.
    func fdb(ofBridge bridgeIndex: Int32) async throws(PatchbayError) -> [KernelFDBEntry]
    /// Equivalent to `bridge fdb add MAC dev PORT master static [vlan V]`.
    func addStaticFDBEntry(_ mac: MACAddress, vlan: Int?, portIndex: Int32) async throws(PatchbayError)
    /// Equivalent to `bridge fdb del MAC dev PORT master [vlan V]`.
    func deleteFDBEntry(_ mac: MACAddress, vlan: Int?, portIndex: Int32) async throws(PatchbayError)
}

/// One entry of a bridge's forwarding database, as the kernel reports it.
public struct KernelFDBEntry: Sendable, Hashable {
    public var mac: MACAddress
    public var vlan: Int?
    /// The device the entry points at.
    public var interfaceIndex: Int32
    /// "learned", "static" or "permanent".
    public var state: String
    /// In the bridge's table (NTF_MASTER side), not the device's own (NTF_SELF).
    public var master: Bool
    public var updatedSeconds: Int?
    public var usedSeconds: Int?

    public init(mac: MACAddress, vlan: Int? = nil, interfaceIndex: Int32, state: String, master: Bool,
                updatedSeconds: Int? = nil, usedSeconds: Int? = nil) {
        self.mac = mac
        self.vlan = vlan
        self.interfaceIndex = interfaceIndex
        self.state = state
        self.master = master
        self.updatedSeconds = updatedSeconds
        self.usedSeconds = usedSeconds
    }
}
