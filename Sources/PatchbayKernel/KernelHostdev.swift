import Glibc
import Netlink
import NetlinkWire
import PatchbayEngine
import PatchbayIO
import PatchbayModel

/// `HostdevManaging` on sysfs (`SRIOVSysfs`, root configurable) and Patchbay's rtnetlink code.
/// Every call runs on the adapter's own thread: sysfs binding waits for the kernel's probe, and
/// a netlink round trip blocks.
///
/// Each VF setting is a request of its own (`ip link set dev PF vf N mac M`, then `vlan V`, …), as
/// libvirt's virNetDevSetVfConfig sends them, so that an error names the setting the driver
/// refused and the EPERM of an implicit VLAN clear can be ignored, as libvirt ignores it.
public final class KernelHostdev: HostdevManaging {
    private let session: NetlinkSession
    private let sysfs: SRIOVSysfs
    private let thread: IOThread

    public init(session: NetlinkSession, sysfs: SRIOVSysfs = SRIOVSysfs(), thread: IOThread = IOThread(name: "patchbay-hostdev")) {
        self.session = session
        self.sysfs = sysfs
        self.thread = thread
    }

    public func pool(of forward: ForwardDefinition, network: String) async throws(PatchbayError) -> [VirtualFunction] {
        let sysfs = self.sysfs
        return try await thread.run { () throws(PatchbayError) -> [VirtualFunction] in
            if !forward.pciAddresses.isEmpty {
                var pool: [VirtualFunction] = []
                for address in forward.pciAddresses { pool.append(try sysfs.virtualFunction(at: address)) }
                return pool
            }
            guard let pf = forward.pf else {
                throw PatchbayError(.invalidArgument, "network '\(network)' uses forward mode 'hostdev' but has neither <pf dev> nor <address> entries")
            }
            return try sysfs.virtualFunctions(ofPF: pf)
        }
    }

    public func prepare(_ vf: VirtualFunction, config: VirtualFunctionConfig,
                        forward: ForwardDefinition) async throws(PatchbayError) -> HostdevAssignment {
        let (session, sysfs) = (self.session, self.sysfs)
        return try await thread.run { () throws(PatchbayError) -> HostdevAssignment in
            let (pf, before) = try Self.physicalFunction(vf, session: session)
            let label = "vf \(vf.number) (\(vf.address)) of \(vf.pf)"
            try Self.set(vf, .mac(config.mac), on: pf, session: session, label: label)
            do throws(PatchbayError) {
                try Self.set(vf, .vlan(id: config.vlan ?? 0, qos: config.qos), on: pf, session: session, label: label)
            } catch where config.vlan == nil && error.cause?.contains(String(cString: strerror(EPERM))) == true {
                // libvirt's virNetDevSetVfVlan: EPERM clearing a VLAN nobody asked for means the
                // embedded switch is not the host's to program; that is not an error.
            }
            if config.minTxRateMbps != nil || config.maxTxRateMbps != nil {
                try Self.set(vf, .rate(minMbps: config.minTxRateMbps ?? 0, maxMbps: config.maxTxRateMbps ?? 0), on: pf, session: session, label: label)
            }
            if let on = config.spoofCheck { try Self.set(vf, .spoofCheck(on), on: pf, session: session, label: label) }
            if let on = config.trust { try Self.set(vf, .trust(on), on: pf, session: session, label: label) }
            var bound = false
            if forward.managed {
                bound = try sysfs.bind(vf.address, to: forward.driverModel ?? SRIOVSysfs.vfioDriver)
            }
            let plug = NetworkPortDefinition.HostdevPCI(address: vf.address, managed: forward.managed, driverName: forward.driverName,
                                                        driverModel: forward.driverModel)
            return HostdevAssignment(vf: vf, boundToVFIO: bound, previousDriver: vf.driver, previousMAC: before?.mac,
                                     previousVLAN: before?.vlan, plug: plug)
        }
    }

    public func release(_ assignment: HostdevAssignment) async throws(PatchbayError) {
        let (session, sysfs) = (self.session, self.sysfs)
        try await thread.run { () throws(PatchbayError) in
            let vf = assignment.vf
            if assignment.boundToVFIO {
                try sysfs.giveBack(vf.address, from: assignment.plug.driverModel ?? SRIOVSysfs.vfioDriver)
            }
            let label = "vf \(vf.number) (\(vf.address)) of \(vf.pf)"
            guard let link = try translatingKernelErrors({ () throws(NetlinkError) -> Link? in try session.link(named: vf.pf) }) else {
                throw PatchbayError(.notFound, "cannot reset \(label): the PF \(vf.pf) is gone")
            }
            let zero = MACAddress(bytes: [0, 0, 0, 0, 0, 0])!
            let mac = assignment.previousMAC ?? zero
            do throws(PatchbayError) {
                try Self.set(vf, .mac(mac), on: link.index, session: session, label: label)
            } catch where mac == zero && error.cause?.contains(String(cString: strerror(EINVAL))) == true {
                // libvirt's altZeroMAC: a driver that refuses all zeros takes 02:00:00:00:00:00.
                try Self.set(vf, .mac(MACAddress(bytes: [2, 0, 0, 0, 0, 0])!), on: link.index, session: session, label: label)
            }
            do throws(PatchbayError) {
                try Self.set(vf, .vlan(id: assignment.previousVLAN ?? 0), on: link.index, session: session, label: label)
            } catch where error.cause?.contains(String(cString: strerror(EPERM))) == true {}
        }
    }

    /// The PF's index (it must be up: a VF set through a PF that is down takes no effect and no
    /// error, libvirt's virNetDevSaveNetConfig refuses it the same way) and the VF's settings
    /// before, from the PF's IFLA_VFINFO_LIST.
    static func physicalFunction(_ vf: VirtualFunction, session: NetlinkSession) throws(PatchbayError) -> (Int32, VirtualFunctionInfo?) {
        let operation = "read the virtual functions of \(vf.pf)"
        let reply = try translatingKernelErrors { () throws(NetlinkError) -> NetlinkMessage in
            try session.query(LinkRequest.getWithVirtualFunctions(name: vf.pf), operation: operation)
        }
        let link: Link
        let vfs: [VirtualFunctionInfo]
        do {
            link = try Link(message: reply)
            vfs = try VirtualFunctionInfo.parseList(reply)
        } catch {
            throw PatchbayError(.kernel, operation, cause: "\(error)")
        }
        guard link.isUp else {
            throw PatchbayError(.operationInvalid,
                                "cannot configure vf \(vf.number) of PF '\(vf.pf)' because the PF is not up; bring it up in the host's network configuration (`ip link set dev \(vf.pf) up`)")
        }
        return (link.index, vfs.first { $0.vf == vf.number })
    }

    static func set(_ vf: VirtualFunction, _ setting: VirtualFunctionSetting, on pfIndex: Int32, session: NetlinkSession,
                    label: String) throws(PatchbayError) {
        try translatingKernelErrors { () throws(NetlinkError) in
            try session.execute(LinkRequest.setVirtualFunction(pfIndex: pfIndex, vf: vf.number, [setting]),
                                operation: "set \(Self.describe(setting)) on \(label)")
        }
    }

    /// The iproute2 words of a setting, for error messages.
    static func describe(_ setting: VirtualFunctionSetting) -> String {
        switch setting {
        case .mac(let mac): "mac \(mac)"
        case .vlan(let id, let qos, _): qos == 0 ? "vlan \(id)" : "vlan \(id) qos \(qos)"
        case .rate(let minimum, let maximum): "min_tx_rate \(minimum) max_tx_rate \(maximum)"
        case .legacyRate(let rate): "rate \(rate)"
        case .spoofCheck(let on): "spoofchk \(on ? "on" : "off")"
        case .trust(let on): "trust \(on ? "on" : "off")"
        case .linkState(let state): "state \(state)"
        }
    }
}
