import Glibc
import Netlink
import NetlinkWire
import PatchbayEngine
import PatchbayModel

/// `iface-bridge` and `iface-unbridge` on rtnetlink: reads the snapshots the pure
/// `InterfaceBridgePlan` needs, and performs its steps, each on the adapter's own thread.
public final class KernelInterfaceBridge: InterfaceBridgeKernel {
    private let links: KernelLinks

    /// Runs on the engine's `KernelLinks` thread and session: these steps are netlink calls like
    /// its own, and one thread keeps them in order with the engine's.
    public init(links: KernelLinks) {
        self.links = links
    }

    private func kernel<T: Sendable>(_ body: @escaping @Sendable (NetlinkSession) throws(NetlinkError) -> T) async throws(PatchbayError) -> T {
        try await links.kernel(body)
    }

    /// Equivalent to: `ip -d link show NAME; ip addr show dev NAME; ip route show table all dev NAME`
    /// and, for a bridge, `ip link show master NAME`. Nil when there is no such device.
    public func snapshot(named name: String) async throws(PatchbayError) -> InterfaceSnapshot? {
        try await kernel { session throws(NetlinkError) in try Self.snapshot(session, name: name) }
    }

    static func snapshot(_ session: NetlinkSession, name: String) throws(NetlinkError) -> InterfaceSnapshot? {
        guard let link = try session.link(named: name) else { return nil }
        var master: String?
        if let masterIndex = link.masterIndex, masterIndex != 0 { master = try session.link(index: masterIndex)?.name }
        let addresses = try session.addresses(of: name).map {
            SnapshotAddress($0.address, isLinkLocal: $0.scope == NetlinkConstants.RT_SCOPE_LINK)
        }
        let routes = try session.routes(ofInterfaceIndex: link.index).filter { !$0.isMultipath }.map(\.route)
        var ports: [String] = []
        if link.kind == "bridge" { ports = try session.links().filter { $0.masterIndex == link.index }.map(\.name) }
        return InterfaceSnapshot(name: link.name, index: link.index, kind: link.kind,
                                 isLoopback: link.flags & 0x8 != 0, // IFF_LOOPBACK
                                 mac: link.mac, mtu: link.mtu, master: master,
                                 alias: link.alias.flatMap { $0.isEmpty ? nil : $0 },
                                 addresses: addresses, routes: routes, ports: ports)
    }

    public func perform(_ step: InterfaceBridgeStep) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in try Self.perform(step, session) }
    }

    static func perform(_ step: InterfaceBridgeStep, _ session: NetlinkSession) throws(NetlinkError) {
        func index(_ name: String) throws(NetlinkError) -> Int32 {
            guard let index = try session.interfaceIndex(of: name) else {
                throw NetlinkError(operation: "\(step)", errno: ENODEV, extendedMessage: "no device named \(name)")
            }
            return index
        }
        switch step {
        case .createBridge(let name, let mac, let mtu, let delay, let alias):
            // STP off while the NIC joins, so the port forwards at once (the plan turns it on after).
            try session.createBridge(name: name, mac: mac, mtu: mtu, stp: false, forwardDelaySeconds: delay)
            do { try session.setAlias(index: try index(name), alias) } catch {
                try? session.deleteLink(named: name)
                throw error
            }
        case .deleteBridge(let name, _, _, _, _):
            try session.deleteLink(index: try index(name))
        case .addAddress(let address, let device):
            try session.addAddress(address, to: device)
        case .deleteAddress(let address, let device):
            try session.deleteAddress(address, from: device)
        case .setUp(let device, let up):
            try session.setLinkUp(index: try index(device), up)
        case .setMaster(let device, let master, _):
            try session.setMaster(index: try index(device), masterIndex: try master.map { m throws(NetlinkError) in try index(m) } ?? 0)
        case .moveRoute(let route, let device, _):
            try session.replaceRoute(route, interfaceIndex: try index(device))
        case .setSTP(let bridge, let on, let delay):
            try session.setBridgeOptions(index: try index(bridge), stp: on, forwardDelaySeconds: delay, named: bridge)
        }
    }

    /// `patchbay iface-bridge NIC BRIDGE`: plans from the kernel's state and runs the plan,
    /// undoing it all if a step fails.
    public func bridge(nic: String, bridge: String, stp: Bool, delaySeconds: Int) async throws(PatchbayError) {
        try InterfaceBridgePlan.checkName(nic)
        try InterfaceBridgePlan.checkName(bridge)
        let nicSnapshot = try await snapshot(named: nic)
        let taken = try await kernel { session throws(NetlinkError) in try session.interfaceIndex(of: bridge) != nil }
        let plan = try InterfaceBridgePlan.bridge(nic: nic, snapshot: nicSnapshot, bridge: bridge, bridgeNameTaken: taken,
                                                  stp: stp, delaySeconds: delaySeconds)
        try await InterfaceBridgeRunner.run(plan, on: self)
    }

    /// `patchbay iface-unbridge BRIDGE`; the result names the NIC that was released.
    public func unbridge(bridge: String) async throws(PatchbayError) -> InterfaceBridgeResult {
        try InterfaceBridgePlan.checkName(bridge)
        let bridgeSnapshot = try await snapshot(named: bridge)
        let nicName = HostBridgeTag(bridgeSnapshot?.alias)?.nic
        var nicSnapshot: InterfaceSnapshot?
        if let nicName { nicSnapshot = try await snapshot(named: nicName) }
        let plan = try InterfaceBridgePlan.unbridge(bridge: bridge, snapshot: bridgeSnapshot, nic: nicSnapshot)
        try await InterfaceBridgeRunner.run(plan, on: self)
        return InterfaceBridgeResult(nic: nicName ?? "", bridge: bridge)
    }
}

extension KernelInterfaceBridge: InterfaceBridging {
    public func bridge(_ request: InterfaceBridgeRequest) async throws(PatchbayError) -> InterfaceBridgeResult {
        try await bridge(nic: request.nic, bridge: request.bridge, stp: request.stp, delaySeconds: request.delay)
        return InterfaceBridgeResult(nic: request.nic, bridge: request.bridge)
    }
}
