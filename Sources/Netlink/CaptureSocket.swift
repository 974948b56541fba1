import CPatchbay
import Glibc
import PatchbayModel

/// Attaching classic BPF to a socket, shared by the packet sockets.
enum PacketFilter {
    static func attach(_ program: [BPFInstruction], to fd: Int32) throws(NetlinkError) {
        let code = program.map { cpatchbay_bpf_insn(code: $0.code, jt: $0.jt, jf: $0.jf, k: $0.k) }
        let rc = code.withUnsafeBufferPointer { cpatchbay_attach_filter(fd, $0.baseAddress, $0.count) }
        if rc < 0 { throw NetlinkError(operation: "attach a \(program.count)-instruction capture filter", errno: -rc) }
    }
}

/// One port's packet socket for a capture: bound to the port's device for every protocol, so it
/// sees what the guest sends and what it is sent, each frame once, with the kernel's receive
/// timestamp and the frame's length on the wire. The filter is attached before the bind (the
/// socket is opened with protocol 0 and queues nothing until then), so no unwanted frame is
/// ever queued on it, let alone copied out.
public final class CaptureSocket: Sendable {
    public let fd: Int32

    public init(namespacePath: String? = nil) throws(NetlinkError) {
        let rc = namespacePath.map { path in path.withCString { cpatchbay_capture_socket($0) } } ?? cpatchbay_capture_socket(nil)
        guard rc >= 0 else { throw NetlinkError(operation: "open a capture socket", errno: -rc) }
        fd = rc
    }

    deinit { close(fd) }

    public func attachFilter(_ program: [BPFInstruction]) throws(NetlinkError) {
        try PacketFilter.attach(program, to: fd)
    }

    /// Equivalent to what `tcpdump -i DEV` binds: every protocol of interface `interfaceIndex`.
    public func bind(interfaceIndex: Int32) throws(NetlinkError) {
        let rc = cpatchbay_capture_bind(fd, interfaceIndex)
        if rc < 0 { throw NetlinkError(operation: "bind a capture socket to interface \(interfaceIndex)", errno: -rc) }
    }

    /// The next queued frame, or nil when none is queued (the socket never blocks). `buffer`
    /// must hold the snap length; the frame's bytes are its prefix.
    public func receive(into buffer: inout [UInt8]) throws(NetlinkError) -> (kept: Int, originalLength: Int, timestampNanoseconds: UInt64)? {
        var original: UInt32 = 0
        var seconds: Int64 = 0
        var nanoseconds: Int64 = 0
        let count = buffer.withUnsafeMutableBufferPointer {
            cpatchbay_capture_receive(fd, $0.baseAddress, $0.count, &original, &seconds, &nanoseconds)
        }
        if count == -EAGAIN || count == -EWOULDBLOCK { return nil }
        if count < 0 { throw NetlinkError(operation: "receive a captured frame", errno: -count) }
        let stamp = UInt64(max(seconds, 0)) &* 1_000_000_000 &+ UInt64(max(nanoseconds, 0))
        return (Int(count), Int(original), stamp)
    }
}
