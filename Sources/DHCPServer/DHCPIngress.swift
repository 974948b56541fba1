import DHCPWire
import Foundation
import Logging
import Netlink
import PatchbayModel
import Synchronization

/// Reads every DHCP request of the daemon's namespace at layer 2, as it arrives on a bridge
/// port, and hands it to the server of that port's bridge together with the port: the origin the
/// per-port limit is charged to and that DECLINE and RELEASE are checked against is where the
/// frame came in, not what its chaddr or giaddr claim.
///
/// Two threads of its own: one reads the packet socket, one follows link changes (`LinkMonitor`)
/// to know which bridge each port belongs to; a port not known yet is looked up on the spot.
public final class DHCPIngress: Sendable {
    public typealias Handler = @Sendable (_ frame: DHCPFrame, _ port: Int32) -> Void

    private let socket: DHCPIngressSocket
    private let monitor: LinkMonitor
    private let session: NetlinkSession
    private let logger: Logger
    /// Interface index → its bridge's index, or 0 for a device known to be no bridge port (so a
    /// flood on the host's LAN interface costs no lookup per frame).
    private let masters = Mutex<[Int32: Int32]>([:])
    private let handlers = Mutex<[Int32: Handler]>([:])
    /// Interfaces whose own incoming frames are requests (an Open vSwitch internal port: the
    /// host kernel sees no bridge ports behind it, and vhost-user guests have no device at all).
    private let ownFrames = Mutex<Set<Int32>>([])
    private let stopped = Atomic(false)

    public init(namespacePath: String? = nil, logger: Logger) throws(NetlinkError) {
        socket = try DHCPIngressSocket(namespacePath: namespacePath)
        monitor = try LinkMonitor(namespacePath: namespacePath)
        session = try NetlinkSession(namespacePath: namespacePath)
        self.logger = logger
        try reload()
    }

    /// Starts the two threads.
    public func start() {
        let reader = Thread { [self] in readFrames() }
        reader.name = "patchbay-dhcp-ingress"
        reader.start()
        let follower = Thread { [self] in followLinks() }
        follower.name = "patchbay-dhcp-links"
        follower.start()
    }

    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// Requests that arrive on ports of the bridge `bridgeIndex` go to `handler` from now on.
    /// With `ownFrames`, requests are the frames arriving on the interface itself, the interface
    /// their origin (see `bridge(named:)`).
    public func register(bridgeIndex: Int32, ownFrames own: Bool = false, _ handler: @escaping Handler) {
        handlers.withLock { $0[bridgeIndex] = handler }
        ownFrames.withLock { if own { $0.insert(bridgeIndex) } else { $0.remove(bridgeIndex) } }
    }

    public func unregister(bridgeIndex: Int32) {
        _ = handlers.withLock { $0.removeValue(forKey: bridgeIndex) }
        _ = ownFrames.withLock { $0.remove(bridgeIndex) }
    }

    /// The bridge's interface index and MAC address, looked up on the ingress's own session.
    /// `ownFrames`: the device is an Open vSwitch bridge's internal port (a TAP of ovs-vswitchd's
    /// userspace datapath, or an "openvswitch" device of the kernel one), whose guests the host
    /// cannot tell apart by ingress port.
    public func bridge(named name: String) throws(NetlinkError) -> (index: Int32, mac: MACAddress?, ownFrames: Bool)? {
        guard let link = try session.link(named: name) else { return nil }
        switch link.kind {
        case "bridge": return (link.index, link.mac, false)
        case "tun", "openvswitch": return (link.index, link.mac, true)
        default: return nil
        }
    }

    /// Sends a whole frame out of `interfaceIndex` (see `DHCPIngressSocket.send`).
    public func send(_ frame: [UInt8], interfaceIndex: Int32) throws(NetlinkError) {
        try socket.send(frame, interfaceIndex: interfaceIndex)
    }

    private func reload() throws(NetlinkError) {
        var table: [Int32: Int32] = [:]
        for link in try session.links() {
            table[link.index] = link.masterIndex.flatMap { $0 == link.index ? nil : $0 } ?? 0
        }
        masters.withLock { $0 = table }
    }

    /// Whether `port` is a port of the bridge `bridge` now.
    public func isPort(_ port: Int32, ofBridge bridge: Int32) -> Bool {
        (port == bridge && ownFrames.withLock { $0.contains(bridge) }) || master(of: port) == bridge
    }

    private func readFrames() {
        while !stopped.load(ordering: .relaxed) {
            let received: DHCPIngressSocket.Frame?
            do { received = try socket.receive() } catch {
                logger.error("DHCP: cannot read requests", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.2)
                continue
            }
            guard let received else { continue }
            // The copy the bridge passes up to itself arrives with the bridge's own index: not a
            // port, not a request to read twice.
            if let own = handlers.withLock({ $0[received.interfaceIndex] }) {
                guard ownFrames.withLock({ $0.contains(received.interfaceIndex) }), let frame = try? DHCPFrame.parse(received.bytes) else { continue }
                own(frame, received.interfaceIndex)
                continue
            }
            guard let bridge = master(of: received.interfaceIndex), let handler = handlers.withLock({ $0[bridge] }) else { continue }
            guard let frame = try? DHCPFrame.parse(received.bytes) else { continue }
            handler(frame, received.interfaceIndex)
        }
    }

    private func master(of port: Int32) -> Int32? {
        if let known = masters.withLock({ $0[port] }) { return known == 0 ? nil : known }
        // A device that appeared a moment ago whose announcement has not been read yet.
        guard let link = try? session.link(index: port) else { return nil }
        let master = link.masterIndex.flatMap { $0 == link.index ? nil : $0 }
        masters.withLock { $0[port] = master ?? 0 }
        return master
    }

    private func followLinks() {
        while !stopped.load(ordering: .relaxed) {
            do {
                for event in try monitor.next() {
                    switch event {
                    case .changed(let link):
                        masters.withLock { table in
                            table[link.index] = link.masterIndex.flatMap { $0 == link.index ? nil : $0 } ?? 0
                        }
                    case .removed(let index):
                        _ = masters.withLock { $0.removeValue(forKey: index) }
                    }
                }
            } catch {
                // Events were lost (the kernel's queue overran): read the whole table again.
                logger.warning("DHCP: link events lost; reading the bridge ports again", metadata: ["error": "\(error)"])
                try? reload()
            }
        }
    }
}
