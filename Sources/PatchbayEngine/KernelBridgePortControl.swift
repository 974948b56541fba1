import Netlink
import NetlinkWire
import PatchbayModel

/// `BridgePortControlling` on rtnetlink and an AF_PACKET socket for `LoopProbe.ethertype`.
public final class KernelBridgePortControl: BridgePortControlling {
    private let session: NetlinkSession
    private let packets: PacketSocket

    public init(session: NetlinkSession, namespacePath: String? = nil) throws(PatchbayError) {
        self.session = session
        do { packets = try PacketSocket(ethertype: LoopProbe.ethertype, namespacePath: namespacePath) } catch {
            throw PatchbayError(.kernel, error.operation, cause: error.errnoText)
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
            var result: [Int32: [BridgePortStatus]] = [:]
            for link in try session.bridgePorts() {
                guard let master = link.masterIndex, master != link.index,
                      let state = link.bridgePort?.state.flatMap(BridgePortState.init(rawValue:)) else { continue }
                result[master, default: []].append(BridgePortStatus(index: link.index, name: link.name, state: state,
                                                                    carrier: link.flags & Self.upWithLink == Self.upWithLink))
            }
            return result
        }
    }

    /// Administratively up with a link: a port the kernel lets forward (it refuses to change the
    /// state of one that is down).
    private static let upWithLink = NetlinkConstants.IFF_UP | NetlinkConstants.IFF_LOWER_UP

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
        do { return try body() } catch {
            throw PatchbayError(.kernel, error.operation, cause: error.extendedMessage.map { "\(error.errnoText) (kernel: \($0))" } ?? error.errnoText)
        }
    }
}
