import CPatchbay
import Glibc
import PatchbayModel

/// An AF_PACKET socket for one ethertype: sends whole Ethernet frames out of a chosen device and
/// receives the frames of that type any device of its namespace delivers. The loop guard's probes
/// travel this way; it lives beside the netlink socket because, like it, it belongs to the
/// namespace it was opened in.
public final class PacketSocket: Sendable {
    private let fd: Int32

    /// `receiveTimeoutMilliseconds` bounds each `receive()`, so a reader thread can notice it
    /// should stop.
    public init(ethertype: UInt16, namespacePath: String? = nil, receiveTimeoutMilliseconds: Int32 = 500) throws(NetlinkError) {
        let rc = namespacePath.map { path in path.withCString { cpatchbay_packet_socket($0, ethertype, receiveTimeoutMilliseconds) } }
            ?? cpatchbay_packet_socket(nil, ethertype, receiveTimeoutMilliseconds)
        guard rc >= 0 else {
            throw NetlinkError(operation: "open packet socket for ethertype 0x\(String(ethertype, radix: 16))", errno: -rc)
        }
        fd = rc
    }

    /// Keeps only loop probes in the kernel's receive queue (`LoopProbe`'s magic and version).
    public func filterLoopProbes() throws(NetlinkError) {
        let rc = cpatchbay_attach_probe_filter(fd)
        if rc < 0 { throw NetlinkError(operation: "attach the loop probe filter", errno: -rc) }
    }

    /// Attaches a classic BPF program (SO_ATTACH_FILTER): what it rejects is never queued.
    public func attachFilter(_ program: [BPFInstruction]) throws(NetlinkError) {
        try PacketFilter.attach(program, to: fd)
    }

    /// Waits up to `milliseconds` for a frame to read; false when none came.
    public func waitReadable(milliseconds: Int32) throws(NetlinkError) -> Bool {
        let rc = cpatchbay_poll_readable(fd, milliseconds)
        if rc < 0 { throw NetlinkError(operation: "wait for a frame", errno: -rc) }
        return rc > 0
    }

    /// From now on only `interfaceIndex`'s frames (of the socket's ethertype) are received.
    public func bind(interfaceIndex: Int32, ethertype: UInt16) throws(NetlinkError) {
        let rc = cpatchbay_packet_bind(fd, interfaceIndex, ethertype)
        if rc < 0 { throw NetlinkError(operation: "bind a packet socket to interface \(interfaceIndex)", errno: -rc) }
    }

    deinit { close(fd) }

    /// Sends `frame` (destination, source, ethertype, payload) out of interface `interfaceIndex`.
    public func send(_ frame: [UInt8], interfaceIndex: Int32) throws(NetlinkError) {
        let rc = frame.withUnsafeBufferPointer { cpatchbay_packet_send(fd, interfaceIndex, $0.baseAddress, $0.count) }
        if rc < 0 { throw NetlinkError(operation: "send a frame out of interface \(interfaceIndex)", errno: -rc) }
    }

    /// The next frame and the interface it arrived on, or nil when the timeout passed first.
    public func receive() throws(NetlinkError) -> (interfaceIndex: Int32, frame: [UInt8])? {
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            var index: Int32 = 0
            let count = buffer.withUnsafeMutableBufferPointer { cpatchbay_packet_receive(fd, $0.baseAddress, $0.count, &index) }
            if count == -EINTR || count == 0 { continue }
            if count == -EAGAIN || count == -EWOULDBLOCK { return nil }
            if count < 0 { throw NetlinkError(operation: "receive a frame", errno: -count) }
            return (index, Array(buffer[..<Int(count)]))
        }
    }
}
