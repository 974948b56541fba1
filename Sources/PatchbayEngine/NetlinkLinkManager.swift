import Netlink
import PatchbayModel

/// `LinkManaging` on Patchbay's own rtnetlink code, translating kernel errors into
/// `PatchbayError` with the kernel's text as the cause.
public final class NetlinkLinkManager: LinkManaging {
    private let session: NetlinkSession

    public init(session: NetlinkSession) { self.session = session }

    public func link(named name: String) throws(PatchbayError) -> LinkSnapshot? {
        try kernel { () throws(NetlinkError) in
            try session.link(named: name).map { link in
                LinkSnapshot(name: link.name, kind: link.kind, mtu: link.mtu.map(Int.init), mac: link.mac, isUp: link.isUp,
                             stp: link.bridge?.stpState.map { $0 != 0 },
                             forwardDelayCentiseconds: link.bridge?.forwardDelay.map(Int.init))
            }
        }
    }

    public func linkNames() throws(PatchbayError) -> Set<String> {
        try kernel { () throws(NetlinkError) in Set(try session.links().map(\.name)) }
    }

    public func createBridge(name: String, mac: MACAddress?, mtu: Int?, stp: Bool, delaySeconds: Int) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in
            try session.createBridge(name: name, mac: mac, mtu: mtu.map(UInt32.init), stp: stp,
                                     forwardDelaySeconds: UInt32(delaySeconds))
        }
    }

    public func enableDisabledPorts(ofBridge name: String) throws(PatchbayError) -> [String] {
        try kernel { () throws(NetlinkError) in
            guard let bridge = try session.link(named: name) else { return [] }
            var enabled: [String] = []
            for (_, port) in try session.bridgePortStatuses(ofBridge: bridge.index) where port.state == .disabled && port.carrier {
                try session.setBridgePortState(index: port.index, state: BridgePortState.forwarding.rawValue)
                enabled.append(port.name)
            }
            return enabled
        }
    }

    public func setBridgeOptions(name: String, stp: Bool, delaySeconds: Int) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.setBridgeOptions(name: name, stp: stp, forwardDelaySeconds: UInt32(delaySeconds)) }
    }

    public func setMTU(named name: String, _ mtu: Int) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.setMTU(named: name, UInt32(mtu)) }
    }

    public func setLinkUp(named name: String, _ up: Bool) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.setLinkUp(named: name, up) }
    }

    public func deleteLink(named name: String) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.deleteLink(named: name) }
    }

    public func disableTxChecksumOffload(named name: String) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.setTxChecksumOffload(named: name, false) }
    }

    public func addAddress(_ address: InterfaceAddress, to name: String) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.addAddress(address, to: name) }
    }

    public func deleteAddress(_ address: InterfaceAddress, from name: String) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.deleteAddress(address, from: name) }
    }

    public func addresses(of name: String) throws(PatchbayError) -> [InterfaceAddress] {
        try kernel { () throws(NetlinkError) in try session.addresses(of: name).map(\.address) }
    }

    private func kernel<T>(_ body: () throws(NetlinkError) -> T) throws(PatchbayError) -> T {
        try translatingKernelErrors(body)
    }
}

extension NetlinkLinkManager: PortDeviceManaging {
    public func createTap(template: String, multiQueue: Bool, owner: UInt32?, group: UInt32?) throws(PatchbayError) -> String {
        try kernel { () throws(NetlinkError) in
            try session.createTap(name: template, vnetHeader: true, multiQueue: multiQueue, owner: owner, group: group)
        }
    }

    public func createVeth(name: String, peer: String, peerMAC: MACAddress, namespacePath: String) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in
            try session.createVeth(name: name, peerName: peer, peerMAC: peerMAC, peerNamespacePath: namespacePath)
        }
    }

    public func setMAC(named name: String, _ mac: MACAddress) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.setMAC(named: name, mac) }
    }

    public func setMaster(named name: String, master: String?) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.setMaster(named: name, master: master) }
    }

    public func exists(_ name: String) throws(PatchbayError) -> Bool {
        try kernel { () throws(NetlinkError) in try session.link(named: name) != nil }
    }

    public func bridgePortStates(ofBridge name: String) throws(PatchbayError) -> [String: BridgePortStatus] {
        try kernel { () throws(NetlinkError) in
            guard let bridge = try session.link(named: name) else { return [:] }
            let ports = try session.bridgePortStatuses(ofBridge: bridge.index).map(\.port)
            return Dictionary(ports.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public func guestStatistics(of name: String) throws(PatchbayError) -> InterfaceStatistics? {
        try kernel { () throws(NetlinkError) in
            guard let stats = try session.link(named: name)?.statistics else { return nil }
            return InterfaceStatistics(interface: name, rxBytes: stats.txBytes, rxPackets: stats.txPackets,
                                       rxErrs: stats.txErrors, rxDrop: stats.txDropped, txBytes: stats.rxBytes,
                                       txPackets: stats.rxPackets, txErrs: stats.rxErrors, txDrop: stats.rxDropped)
        }
    }
}
