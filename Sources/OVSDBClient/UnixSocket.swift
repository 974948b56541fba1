import Glibc
import Synchronization

/// A connected AF_UNIX stream socket with blocking calls, for the connection's own threads. Its
/// descriptor is closed only by `close()`, under the same lock as every send and shutdown, so a
/// writer can never send to a descriptor number that was closed and handed to something else.
/// A failed system call's errno.
struct SystemError: Error, Sendable, Hashable {
    var errno: Int32
}

final class UnixSocket: Sendable {
    private let fd: Int32
    /// Guards sends, shutdown and close; true once closed.
    private let closed = Mutex(false)

    enum Received {
        case data(Int)
        case timeout
        case endOfStream
        case failure(Int32)
    }

    /// Connects to `path`. `sendTimeoutMilliseconds` bounds connect(2) on a full backlog and every
    /// send to a server that stopped reading (Linux applies SO_SNDTIMEO to both for AF_UNIX).
    init(connectingTo path: String, sendTimeoutMilliseconds: Int) throws(SystemError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw SystemError(errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError(errno: errno) }
        var timeout = timeval(tv_sec: sendTimeoutMilliseconds / 1000, tv_usec: (sendTimeoutMilliseconds % 1000) * 1000)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let error = errno
            Glibc.close(fd)
            throw SystemError(errno: error)
        }
        self.fd = fd
    }

    deinit { close() }

    /// Sends every byte (MSG_NOSIGNAL: a closed peer is an EPIPE error, not a SIGPIPE).
    func send(_ bytes: [UInt8]) throws(SystemError) {
        let result: Int32? = closed.withLock { closed in
            if closed { return EBADF }
            var sent = 0
            while sent < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno == EAGAIN ? ETIMEDOUT : errno
                }
                sent += count
            }
            return nil
        }
        if let result { throw SystemError(errno: result) }
    }

    /// Waits up to `timeoutMilliseconds` for data and reads what is there. Only the reader thread
    /// calls this, and only before `close()`.
    func receive(into buffer: inout [UInt8], timeoutMilliseconds: Int32) -> Received {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready == 0 { return .timeout }
        if ready < 0 { return errno == EINTR ? .timeout : .failure(errno) }
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 { return .data(count) }
        if count == 0 { return .endOfStream }
        return errno == EINTR || errno == EAGAIN ? .timeout : .failure(errno)
    }

    /// Wakes the reader (its poll sees the end of the stream) without closing the descriptor.
    func shutdown() {
        closed.withLock { closed in
            if !closed { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    func close() {
        closed.withLock { closed in
            if !closed {
                closed = true
                _ = Glibc.close(fd)
            }
        }
    }
}
