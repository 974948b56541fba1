import CPatchbay
import Glibc
import NetlinkWire

/// A NETLINK_ROUTE socket. It belongs to the network namespace it was opened in, which lets a
/// test (or a future multi-namespace daemon) drive another namespace without moving any thread.
final class NetlinkSocket: @unchecked Sendable {
    let fd: Int32
    let portID: UInt32
    /// Reused for every receive (the session's mutex serialises them): a 64 KiB buffer per call
    /// was the DHCP server's hot path.
    private var buffer = [UInt8](repeating: 0, count: 65536)

    /// `namespacePath` is a file such as /run/netns/NAME or /proc/PID/ns/net; nil means the
    /// caller's own namespace.
    init(namespacePath: String?, groups: UInt32 = 0, receiveTimeoutMilliseconds: Int32 = 5000) throws(NetlinkError) {
        var port: UInt32 = 0
        let rc = namespacePath.map { path in path.withCString { cpatchbay_netlink_open($0, groups, &port) } }
            ?? cpatchbay_netlink_open(nil, groups, &port)
        guard rc >= 0 else {
            throw NetlinkError(operation: "open netlink socket" + (namespacePath.map { " in \($0)" } ?? ""), errno: -rc)
        }
        fd = rc
        portID = port
        _ = cpatchbay_set_receive_timeout(fd, receiveTimeoutMilliseconds)
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8], operation: String) throws(NetlinkError) {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else {
            throw NetlinkError(operation: operation, errno: sent < 0 ? Glibc.errno : EMSGSIZE)
        }
    }

    /// One datagram. Dumps come as several; the session loops. Callers serialise.
    func receive(operation: String) throws(NetlinkError) -> [UInt8] {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_TRUNC)) }
            if count < 0 {
                let e = Glibc.errno
                if e == EINTR { continue }
                throw NetlinkError(operation: operation, errno: e == EAGAIN ? ETIMEDOUT : e)
            }
            guard count <= buffer.count else {
                throw NetlinkError(operation: operation, errno: EMSGSIZE,
                                   extendedMessage: "reply of \(count) bytes exceeds the receive buffer")
            }
            return Array(buffer[0..<count])
        }
    }

    /// The messages of the next notice datagram of a subscribed socket; none when the timeout
    /// passed first. An overrun (ENOBUFS: the kernel dropped notices) is thrown.
    func notices(operation: String) throws(NetlinkError) -> [NetlinkMessage] {
        let datagram: [UInt8]
        do { datagram = try receive(operation: operation) } catch where error.errno == ETIMEDOUT {
            return []
        }
        do { return try NetlinkMessage.parseAll(datagram) } catch {
            throw NetlinkError(operation: operation, errno: EPROTO, extendedMessage: "\(error)")
        }
    }
}
