import PatchbayModel

/// What a port's VF is given through its PF before the guest gets it: libvirt's
/// virHostdevNetConfigReplace (the MAC and VLAN of the guest's interface) plus the rates, spoof
/// check and trust that `ip link set dev PF vf N` can set.
public struct VirtualFunctionConfig: Sendable, Hashable, Codable {
    /// The guest's MAC, set as the VF's administrative MAC.
    public var mac: MACAddress
    /// The VLAN the PF's switch tags the VF's traffic with; nil clears any (libvirt sets 0 when
    /// the interface has no `<vlan>`, and ignores EPERM for that implicit clearing).
    public var vlan: UInt16?
    public var qos: UInt8
    /// Mbit/s; nil leaves the rates alone.
    public var minTxRateMbps: UInt32?
    public var maxTxRateMbps: UInt32?
    /// nil leaves the driver's setting alone.
    public var spoofCheck: Bool?
    public var trust: Bool?

    public init(mac: MACAddress, vlan: UInt16? = nil, qos: UInt8 = 0, minTxRateMbps: UInt32? = nil, maxTxRateMbps: UInt32? = nil,
                spoofCheck: Bool? = nil, trust: Bool? = nil) {
        self.mac = mac
        self.vlan = vlan
        self.qos = qos
        self.minTxRateMbps = minTxRateMbps
        self.maxTxRateMbps = maxTxRateMbps
        self.spoofCheck = spoofCheck
        self.trust = trust
    }

    /// The config for a port: its MAC and its one VLAN tag. SR-IOV VFs carry one tag, so a trunk
    /// or several tags are refused, as libvirt's virNetDevSetNetConfig refuses them ("vlan
    /// trunking is not supported by SR-IOV network devices"). `trustGuestRxFilters` becomes the
    /// VF's trust, as libvirt's qemu driver sets it for hostdev interfaces.
    public static func forPort(mac: MACAddress, vlan: VLANDefinition?, trustGuestRxFilters: Bool?,
                               network: String) throws(PatchbayError) -> VirtualFunctionConfig {
        var config = VirtualFunctionConfig(mac: mac, trust: trustGuestRxFilters)
        if let vlan, !vlan.tags.isEmpty {
            guard vlan.tags.count == 1, !vlan.trunk else {
                throw PatchbayError(.invalidArgument,
                                    "network '\(network)': vlan trunking is not supported by SR-IOV network devices (the port asks for \(vlan.tags.map { String($0.id) }.joined(separator: ", ")) with trunk='\(vlan.trunk ? "yes" : "no")'); give it one <tag id>")
            }
            config.vlan = vlan.tags[0].id
        }
        return config
    }
}

/// The kernel side of `<forward mode='hostdev'>` networks: sysfs for discovery and binding,
/// rtnetlink on the PF for each VF's MAC, VLAN, rates, spoof check and trust. The daemon passes
/// `KernelHostdev`; engine tests a fake. Every call blocks on sysfs or netlink, so the
/// implementation runs them on a thread of its own.
///
/// The engine's order (libvirt's networkStartNetworkExternal, networkAllocatePort,
/// qemuHostdevPrepare… and networkReleasePort):
/// - network start: `pool(of:network:)`, refuse the start when it throws (no such PF, no
///   SR-IOV, no VFs enabled, an `<address>` that is not a VF);
/// - port create: `pool`, then `HostdevPool.pick` with the stored ports' addresses, store the port
///   `creating` with the chosen VF, `prepare`, store the assignment with the port; on a failure
///   after `prepare`, `release`;
/// - port delete: store `deleting`, `release` the stored assignment, delete the record;
/// - recovery of a port left `creating`/`deleting` with an assignment: `release` (it is
///   idempotent: a VF already given back stays so).
public protocol HostdevManaging: Sendable {
    /// The network's pool in libvirt's order (networkCreateInterfacePool): the `<address>`
    /// entries as listed, else every VF of `<pf dev>` by VF number, each with its PF and number
    /// resolved from sysfs.
    func pool(of forward: ForwardDefinition, network: String) async throws(PatchbayError) -> [VirtualFunction]
    /// Sets the VF's MAC, VLAN, rates, spoof check and trust through its PF (the PF must be up,
    /// as libvirt's virNetDevSaveNetConfig requires), and when `forward.managed`, binds it to
    /// vfio-pci (or `forward.driverModel`, a VFIO variant driver).
    func prepare(_ vf: VirtualFunction, config: VirtualFunctionConfig, forward: ForwardDefinition) async throws(PatchbayError) -> HostdevAssignment
    /// Gives the VF back to its host driver if `prepare` bound it, and resets its MAC (to the one
    /// saved, else all zeros, as libvirt's virHostdevRestoreNetConfig leaves most VFs) and VLAN.
    func release(_ assignment: HostdevAssignment) async throws(PatchbayError)
}
