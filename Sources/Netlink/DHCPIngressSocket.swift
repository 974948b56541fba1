import CPatchbay
import Glibc

/// Where DHCP requests are read: an AF_PACKET socket that sees each one as it arrives on a bridge
/// port, before the bridge forwards it, and so knows the port it really came in on and its
/// Ethernet source. A UDP socket on the bridge only learns the bridge, and then has to believe
/// what the packet claims (its chaddr, its giaddr).
public final class DHCPIngressSocket: Sendable {
    /// A received frame: the device it arrived on (a bridge port, or the bridge itself for the
    /// copy the bridge passes up) and the frame from its Ethernet header on.
    public struct Frame: Sendable {
        public var interfaceIndex: Int32
        public var bytes: [UInt8]
    }

    private let fd: Int32

    public init(namespacePath: String? = nil, receiveTimeoutMilliseconds: Int32 = 500) throws(NetlinkError) {
        let rc = namespacePath.map { path in path.withCString { cpatchbay_dhcp_ingress_socket($0, receiveTimeoutMilliseconds) } }
            ?? cpatchbay_dhcp_ingress_socket(nil, receiveTimeoutMilliseconds)
        guard rc >= 0 else { throw NetlinkError(operation: "open the DHCP packet socket", errno: -rc) }
        fd = rc
    }

    deinit { close(fd) }

    /// Sends a whole Ethernet frame out of `interfaceIndex` (a reply to a client that cannot
    /// answer ARP yet, out of the bridge to its MAC address, so no neighbour entry is needed).
    public func send(_ frame: [UInt8], interfaceIndex: Int32) throws(NetlinkError) {
        let rc = frame.withUnsafeBufferPointer { cpatchbay_packet_send(fd, interfaceIndex, $0.baseAddress, $0.count) }
        if rc < 0 { throw NetlinkError(operation: "send a DHCP frame out of interface \(interfaceIndex)", errno: -rc) }
    }

    /// The next frame, or nil when the timeout passed first. Blocks the calling thread.
    public func receive() throws(NetlinkError) -> Frame? {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            var index: Int32 = 0
            var type: Int32 = 0
            let count = buffer.withUnsafeMutableBufferPointer { cpatchbay_packet_receive_from(fd, $0.baseAddress, $0.count, &index, &type) }
            if count == -EINTR { continue }
            if count == -EAGAIN || count == -EWOULDBLOCK { return nil }
            if count < 0 { throw NetlinkError(operation: "receive a DHCP frame", errno: -count) }
            // PACKET_OUTGOING (4): what this host sends is not a request (the socket asks the
            // kernel to leave those out; older kernels deliver them anyway).
            if type == 4 { continue }
            return Frame(interfaceIndex: index, bytes: Array(buffer[..<Int(count)]))
        }
    }
}
