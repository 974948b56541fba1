import Foundation
import Glibc
import OVSDBWire
import Synchronization

/// A stand-in for ovsdb-server on a unix socket of its own, for what the real one will not do on
/// demand: send `echo` requests, answer out of order or never, send garbage. Its script runs on
/// a thread of its own against the one client it accepts.
final class FakeOVSDBServer: Sendable {
    let path: String
    private let listener: Int32
    private let finished = Mutex<Bool>(false)
    private let failure = Mutex<String?>(nil)

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("pb-fake-ovsdb-\(UUID().uuidString.prefix(8)).sock").path
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 4) == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit {
        close(listener)
        unlink(path)
    }

    /// One client's connection, as the script sees it.
    final class Peer: @unchecked Sendable {
        let fd: Int32
        private var framer = JSONStreamFramer()

        init(fd: Int32) { self.fd = fd }

        /// The next message the client sent, waiting up to `seconds`.
        func next(seconds: Double = 5) throws -> JSONRPCMessage {
            let deadline = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                if let value = try framer.next() { return try JSONRPCMessage(json: value) }
                guard Date() < deadline else { throw POSIXError(.ETIMEDOUT) }
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 50) > 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { throw POSIXError(.ECONNRESET) }
                framer.append(buffer[0..<count])
            }
        }

        func send(_ message: JSONRPCMessage) { send(message.serialized()) }

        func send(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// Waits until the client closes its end.
        func waitForClose(seconds: Double = 5) -> Bool {
            var byte: UInt8 = 0
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(seconds * 1000)) > 0 else { return false }
            return recv(fd, &byte, 1, 0) <= 0
        }
    }

    /// Accepts one client and runs `script` for it on a thread of its own.
    func serve(_ script: @escaping @Sendable (Peer) throws -> Void) {
        let listener = listener
        let thread = Thread { [self] in
            let fd = accept(listener, nil, nil)
            defer {
                if fd >= 0 { close(fd) }
                finished.withLock { $0 = true }
            }
            guard fd >= 0 else { return }
            do { try script(Peer(fd: fd)) } catch { failure.withLock { $0 = "\(error)" } }
        }
        thread.start()
    }

    /// Waits for the script to end; its error, if it threw.
    func result(seconds: Double = 10) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while !finished.withLock({ $0 }) && Date() < deadline { usleep(10_000) }
        if !finished.withLock({ $0 }) { return "the server script did not end" }
        return failure.withLock { $0 }
    }
}
