import Foundation
import Netlink
import NetlinkWire
import PatchbayEngine
import PatchbayIO
import PatchbayModel

/// `LinkManaging` on Patchbay's own rtnetlink code. Every call runs on the adapter's own thread
/// (`IOThread`): a netlink round trip blocks, and a bridge deletion waits for an RCU grace
/// period (tens of milliseconds), which must never hold a thread of the concurrency pool.
public final class KernelLinks: LinkManaging {
    private let session: NetlinkSession
    private let thread: IOThread

    public init(session: NetlinkSession, thread: IOThread = IOThread(name: "patchbay-kernel")) {
        self.session = session
        self.thread = thread
    }

    func kernel<T: Sendable>(_ body: @escaping @Sendable (NetlinkSession) throws(NetlinkError) -> T) async throws(PatchbayError) -> T {
        let session = self.session
        return try await thread.run { () throws(PatchbayError) -> T in try translatingKernelErrors { () throws(NetlinkError) -> T in try body(session) } }
    }

    static func snapshot(_ link: Link) -> LinkSnapshot {
        LinkSnapshot(name: link.name, index: link.index, kind: link.kind, mtu: link.mtu.map(Int.init), mac: link.mac, isUp: link.isUp,
                     alias: link.alias.flatMap { $0.isEmpty ? nil : $0 }, masterIndex: link.masterIndex,
                     stp: link.bridge?.stpState.map { $0 != 0 }, forwardDelayCentiseconds: link.bridge?.forwardDelay.map(Int.init),
                     lowerIndex: link.lowerIndex, directMode: link.macvlanMode.flatMap(LinkRequest.directMode(macvlanMode:)))
    }

    public func links() async throws(PatchbayError) -> [LinkSnapshot] {
        try await kernel { session throws(NetlinkError) in try session.links().map(Self.snapshot) }
    }

    public func link(named name: String) async throws(PatchbayError) -> LinkSnapshot? {
        try await kernel { session throws(NetlinkError) in try session.link(named: name).map(Self.snapshot) }
    }

    public func link(index: Int32) async throws(PatchbayError) -> LinkSnapshot? {
        try await kernel { session throws(NetlinkError) in try session.link(index: index).map(Self.snapshot) }
    }

    public func createBridge(name: String, mac: MACAddress?, mtu: Int?, stp: Bool, delaySeconds: Int) async throws(PatchbayError) -> LinkSnapshot {
        try await kernel { session throws(NetlinkError) in
            try session.createBridge(name: name, mac: mac, mtu: mtu.map(UInt32.init), stp: stp, forwardDelaySeconds: UInt32(delaySeconds))
            guard let link = try session.link(named: name) else {
                throw NetlinkError(operation: "create bridge \(name)", errno: ENODEV, extendedMessage: "the new bridge is gone")
            }
            return Self.snapshot(link)
        }
    }

    public func setBridgeOptions(index: Int32, stp: Bool, delaySeconds: Int) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in
            try session.setBridgeOptions(index: index, stp: stp, forwardDelaySeconds: UInt32(delaySeconds))
        }
    }

    public func enableDisabledPorts(ofBridge index: Int32) async throws(PatchbayError) -> [String] {
        try await kernel { session throws(NetlinkError) in
            var enabled: [String] = []
            for (_, port) in try session.bridgePortStatuses(ofBridge: index) where port.state == .disabled && port.carrier {
                try session.setBridgePortState(index: port.index, state: BridgePortState.forwarding.rawValue)
                enabled.append(port.name)
            }
            return enabled
        }
    }

    public func disableTxChecksumOffload(named name: String) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in try session.setTxChecksumOffload(named: name, false) }
    }

    public func disableTxChecksumOffload(named name: String, namespace: String) async throws(PatchbayError) {
        let path = "/run/netns/\(namespace)"
        try await kernel { session throws(NetlinkError) in try session.setTxChecksumOffload(named: name, false, namespacePath: path) }
    }

    public func setAlias(index: Int32, _ alias: String) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in try session.setAlias(index: index, alias) }
    }

    public func rename(index: Int32, to name: String) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in try session.rename(index: index, to: name) }
    }

    public func setMTU(index: Int32, _ mtu: Int) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in
            try session.execute(LinkRequest.setMTU(index: index, mtu: UInt32(mtu)), operation: "set mtu \(mtu) on interface \(index)")
        }
    }

    public func setMAC(index: Int32, _ mac: MACAddress) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in try session.setMAC(index: index, mac) }
    }

    public func setLinkUp(index: Int32, _ up: Bool) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in try session.setLinkUp(index: index, up) }
    }

    public func setMaster(index: Int32, masterIndex: Int32) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in try session.setMaster(index: index, masterIndex: masterIndex) }
    }

    public func deleteLink(index: Int32) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in try session.deleteLink(index: index) }
    }

    public func addAddress(_ address: InterfaceAddress, index: Int32) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in
            try session.execute(AddressRequest.add(address, interfaceIndex: UInt32(bitPattern: index)),
                                operation: "add address \(address) to interface \(index)")
        }
    }

    public func deleteAddress(_ address: InterfaceAddress, index: Int32) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in
            try session.execute(AddressRequest.delete(address, interfaceIndex: UInt32(bitPattern: index)),
                                operation: "delete address \(address) from interface \(index)")
        }
    }

    public func addresses(index: Int32) async throws(PatchbayError) -> [InterfaceAddress] {
        try await kernel { session throws(NetlinkError) in
            try session.addresses().filter { $0.interfaceIndex == UInt32(bitPattern: index) }.map(\.address)
        }
    }

    public func createTap(name: String, multiQueue: Bool, owner: UInt32?, group: UInt32?) async throws(PatchbayError) -> LinkSnapshot {
        try await kernel { session throws(NetlinkError) in
            let created = try session.createTap(name: name, vnetHeader: true, multiQueue: multiQueue, owner: owner, group: group, exclusive: true)
            guard let link = try session.link(named: created) else {
                throw NetlinkError(operation: "create tap \(name)", errno: ENODEV, extendedMessage: "the new TAP is gone")
            }
            return Self.snapshot(link)
        }
    }

    public func createVeth(name: String, peer: String, peerMAC: MACAddress, namespace: String) async throws(PatchbayError) -> LinkSnapshot {
        try await kernel { session throws(NetlinkError) in
            try session.createVeth(name: name, peerName: peer, peerMAC: peerMAC, peerNamespacePath: "/run/netns/\(namespace)")
            guard let link = try session.link(named: name) else {
                throw NetlinkError(operation: "create veth \(name)", errno: ENODEV, extendedMessage: "the new veth is gone")
            }
            return Self.snapshot(link)
        }
    }

    public func createMacvtap(name: String, lowerIndex: Int32, mode: NetworkPortDefinition.DirectMode,
                              mac: MACAddress) async throws(PatchbayError) -> LinkSnapshot {
        try await kernel { session throws(NetlinkError) in
            try session.createMacvtap(name: name, lowerIndex: lowerIndex, mode: mode, mac: mac)
            guard let link = try session.link(named: name) else {
                throw NetlinkError(operation: "create macvtap \(name)", errno: ENODEV, extendedMessage: "the new macvtap is gone")
            }
            return Self.snapshot(link)
        }
    }

    public func bridgeVLANFiltering(index: Int32) async throws(PatchbayError) -> Bool? {
        try await kernel { session throws(NetlinkError) in try session.bridgeVLANFiltering(index: index) }
    }

    public func setBridgeVLANs(portIndex: Int32, _ entries: [BridgeVLANEntry]) async throws(PatchbayError) {
        let leaveDefault = !entries.contains { $0.id == BridgeVLANEntry.defaultPVID }
        try await kernel { session throws(NetlinkError) in try session.setBridgeVLANs(portIndex: portIndex, entries, leaveDefault: leaveDefault) }
    }

    public func processStartTime(_ pid: Int32) async -> UInt64? {
        await thread.run { () -> UInt64? in ProcessIdentity.startTime(pid) }
    }

    public func namespaceExists(_ name: String) async -> Bool {
        await thread.run { () -> Bool in FileManager.default.fileExists(atPath: "/run/netns/\(name)") }
    }

    public func bridgePorts(ofBridge bridgeIndex: Int32) async throws(PatchbayError) -> [BridgePortStatus] {
        try await kernel { session throws(NetlinkError) in try session.bridgePortStatuses(ofBridge: bridgeIndex).map(\.port) }
    }

    public func guestStatistics(index: Int32) async throws(PatchbayError) -> InterfaceStatistics? {
        try await kernel { session throws(NetlinkError) -> InterfaceStatistics? in
            guard let link = try session.link(index: index), let stats = link.statistics else { return nil }
            return Self.guestSide(link.name, stats)
        }
    }
}
