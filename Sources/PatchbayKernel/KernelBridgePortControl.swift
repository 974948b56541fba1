import Logging
import Netlink
import LoopGuard
import PatchbayModel

/// `BridgePortControlling` on a netlink session and an AF_PACKET socket of the loop guard's own
/// (opened for `LoopProbe.ethertype`, filtered in the kernel to probes), used from the guard's
/// thread only, and the bridge ports as link events describe them (`BridgePortFollower`, on a
/// thread of its own).
public final class KernelBridgePortControl: BridgePortControlling {
    private let session: NetlinkSession
    private let packets: PacketSocket
    private let follower: BridgePortFollower

    /// Opens the guard's own netlink and packet sockets in the namespace at `namespacePath` (nil:
    /// the daemon's).
    public init(namespacePath: String? = nil, logger: Logger) throws(PatchbayError) {
        session = try translatingKernelErrors { () throws(NetlinkError) in try NetlinkSession(namespacePath: namespacePath) }
        packets = try translatingKernelErrors { () throws(NetlinkError) in
            let socket = try PacketSocket(ethertype: LoopProbe.ethertype, namespacePath: namespacePath)
            try socket.filterLoopProbes()
            return socket
        }
        follower = try translatingKernelErrors { () throws(NetlinkError) in
            try BridgePortFollower(namespacePath: namespacePath) { error in
                logger.warning("loop guard: link events lost; reading the bridge ports again", metadata: ["error": "\(error)"])
            }
        }
    }

    public func bridgeIndex(named name: String) throws(PatchbayError) -> Int32? {
        try translatingKernelErrors { () throws(NetlinkError) in
            guard let link = try session.link(named: name), link.kind == "bridge" else { return nil }
            return link.index
        }
    }

    public func ports(ofBridge index: Int32) -> [BridgePortStatus] { follower.ports(ofBridge: index) }

    public func stop() { follower.stop() }

    public func setPortState(index: Int32, _ state: BridgePortState) throws(PatchbayError) {
        try translatingKernelErrors { () throws(NetlinkError) in try session.setBridgePortState(index: index, state: state.rawValue) }
    }

    public func learnedPort(of mac: MACAddress, bridgeIndex: Int32) throws(PatchbayError) -> Int32? {
        try translatingKernelErrors { () throws(NetlinkError) in try session.bridgePort(of: mac, bridgeIndex: bridgeIndex) }
    }

    public func send(frame: [UInt8], interfaceIndex: Int32) throws(PatchbayError) {
        try translatingKernelErrors { () throws(NetlinkError) in try packets.send(frame, interfaceIndex: interfaceIndex) }
    }

    public func receiveProbe(waitingUpTo milliseconds: Int32) throws(PatchbayError) -> (interfaceIndex: Int32, frame: [UInt8])? {
        try translatingKernelErrors { () throws(NetlinkError) -> (interfaceIndex: Int32, frame: [UInt8])? in
            guard try packets.waitReadable(milliseconds: milliseconds) else { return nil }
            return try packets.receive()
        }
    }
}
