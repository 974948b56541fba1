import Netlink
import PatchbayModel

/// `BridgePortControlling` on rtnetlink and an AF_PACKET socket for `LoopProbe.ethertype`.
public final class KernelBridgePortControl: BridgePortControlling {
    private let session: NetlinkSession
    private let packets: PacketSocket

    public init(session: NetlinkSession, namespacePath: String? = nil) throws(PatchbayError) {
        self.session = session
        packets = try translatingKernelErrors { () throws(NetlinkError) in
            try PacketSocket(ethertype: LoopProbe.ethertype, namespacePath: namespacePath)
        }
    }

    public func bridgeIndex(named name: String) throws(PatchbayError) -> Int32? {
        try kernel { () throws(NetlinkError) in
            guard let link = try session.link(named: name), link.kind == "bridge" else { return nil }
            return link.index
        }
    }

    public func portsByBridge() throws(PatchbayError) -> [Int32: [BridgePortStatus]] {
        try kernel { () throws(NetlinkError) in
            Dictionary(grouping: try session.bridgePortStatuses(), by: \.bridge).mapValues { $0.map(\.port) }
        }
    }

    public func setPortState(index: Int32, _ state: BridgePortState) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try session.setBridgePortState(index: index, state: state.rawValue) }
    }

    public func learnedPort(of mac: MACAddress, bridgeIndex: Int32) throws(PatchbayError) -> Int32? {
        try kernel { () throws(NetlinkError) in try session.bridgePort(of: mac, bridgeIndex: bridgeIndex) }
    }

    public func send(frame: [UInt8], interfaceIndex: Int32) throws(PatchbayError) {
        try kernel { () throws(NetlinkError) in try packets.send(frame, interfaceIndex: interfaceIndex) }
    }

    public func receiveProbe() throws(PatchbayError) -> (interfaceIndex: Int32, frame: [UInt8])? {
        try kernel { () throws(NetlinkError) in try packets.receive() }
    }

    private func kernel<T>(_ body: () throws(NetlinkError) -> T) throws(PatchbayError) -> T {
        try translatingKernelErrors(body)
    }
}
