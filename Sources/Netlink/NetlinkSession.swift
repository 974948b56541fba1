import Glibc
import NetlinkWire
import Synchronization

/// Request/response over one rtnetlink socket: stamps sequence numbers, waits for the ACK or the
/// end of a dump, and turns NLMSG_ERROR into `NetlinkError` with the kernel's extended-ack text.
///
/// Calls are synchronous and serialised by a mutex. rtnetlink answers from the sending thread's
/// syscall, so a call holds the thread for microseconds; it is made from threads of its own (`KernelLinks`' IOThread, the loop guard's), never
/// from a NIO event loop, and SO_RCVTIMEO bounds it if the kernel ever stayed silent.
public final class NetlinkSession: Sendable {
    private let socket: NetlinkSocket
    /// The namespace the session operates in (nil: the caller's own).
    public let namespacePath: String?
    private let sequence = Mutex<UInt32>(0)

    /// Opens a session in the caller's namespace, or in the one at `namespacePath`.
    public init(namespacePath: String? = nil) throws(NetlinkError) {
        socket = try NetlinkSocket(namespacePath: namespacePath)
        self.namespacePath = namespacePath
    }

    /// Sends a request that expects an ACK (NLM_F_ACK) and returns once the kernel acknowledged it.
    public func execute(_ message: NetlinkMessage, operation: String) throws(NetlinkError) {
        _ = try exchange(message, operation: operation, untilDone: false)
    }

    /// Sends a request that is answered by one message (a GET without NLM_F_DUMP).
    public func query(_ message: NetlinkMessage, operation: String) throws(NetlinkError) -> NetlinkMessage {
        let replies = try exchange(message, operation: operation, untilDone: false)
        guard let reply = replies.first else {
            throw NetlinkError(operation: operation, errno: EPROTO, extendedMessage: "no reply")
        }
        return reply
    }

    /// Sends a dump request and collects every message up to NLMSG_DONE. A dump that the kernel
    /// marks interrupted (NLM_F_DUMP_INTR: the table changed underneath) is retried, as iproute2
    /// and vishvananda/netlink do.
    public func dump(_ message: NetlinkMessage, operation: String) throws(NetlinkError) -> [NetlinkMessage] {
        var lastError = NetlinkError(operation: operation, errno: EINTR, extendedMessage: "dump interrupted 3 times")
        for _ in 0..<3 {
            do {
                return try exchange(message, operation: operation, untilDone: true)
            } catch where error.errno == EINTR {
                lastError = error
            }
        }
        throw lastError
    }

    private func exchange(_ request: NetlinkMessage, operation: String, untilDone: Bool) throws(NetlinkError) -> [NetlinkMessage] {
        try sequence.withLock { (seq: inout UInt32) throws(NetlinkError) -> [NetlinkMessage] in
            seq &+= 1
            var message = request
            message.sequence = seq
            try socket.send(message.encoded(), operation: operation)
            var replies: [NetlinkMessage] = []
            var interrupted = false
            while true {
                let datagram = try socket.receive(operation: operation)
                let messages: [NetlinkMessage]
                do {
                    messages = try NetlinkMessage.parseAll(datagram)
                } catch {
                    throw NetlinkError(operation: operation, errno: EPROTO, extendedMessage: "\(error)")
                }
                for reply in messages where reply.sequence == seq && reply.portID == socket.portID {
                    if reply.flags & NetlinkConstants.NLM_F_DUMP_INTR != 0 { interrupted = true }
                    switch reply.type {
                    case NetlinkConstants.NLMSG_ERROR:
                        let ack: NetlinkErrorMessage
                        do { ack = try NetlinkErrorMessage(reply) } catch {
                            throw NetlinkError(operation: operation, errno: EPROTO, extendedMessage: "\(error)")
                        }
                        if ack.errno != 0 {
                            throw NetlinkError(operation: operation, errno: ack.errno, extendedMessage: ack.extendedMessage)
                        }
                        return replies
                    case NetlinkConstants.NLMSG_DONE:
                        if interrupted { throw NetlinkError(operation: operation, errno: EINTR) }
                        return replies
                    case NetlinkConstants.NLMSG_NOOP:
                        continue
                    default:
                        replies.append(reply)
                        if !untilDone && reply.flags & NetlinkConstants.NLM_F_MULTI == 0
                            && request.flags & NetlinkConstants.NLM_F_ACK == 0 {
                            return replies
                        }
                    }
                }
            }
        }
    }
}
