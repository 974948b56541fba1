import CPatchbay
import FoundationEssentials
import Glibc
import PatchbayModel

/// The request methods the API uses.
enum HTTPVerb: String, Sendable {
    case GET, POST, PUT, DELETE
}

/// One HTTP/1.1 exchange over the daemon's unix socket, with plain blocking system calls on the
/// calling thread. The CLI makes one request per run and does nothing while it waits, so this
/// is all it needs; an event loop group (two threads started, then stopped) was most of what a
/// `patchbay net-list` cost beyond curl's (BENCHMARKS.md).
public struct HTTPUnixTransport: Sendable {
    let socketPath: String
    /// How long the daemon may take to answer one request.
    var timeoutSeconds = 120

    public struct Reply: Sendable {
        public var status: Int
        public var body: Data
    }

    func send(method: HTTPVerb, path: String, body: Data?) async throws(PatchbayError) -> Reply {
        let fd = try connect()
        defer { close(fd) }
        var head = "\(method.rawValue) \(path) HTTP/1.1\r\nHost: patchbayd\r\nConnection: close\r\nContent-Length: \(body?.count ?? 0)\r\n"
        if body != nil { head += "Content-Type: application/json\r\n" }
        head += "\r\n"
        // One write for the whole request: the daemon answers (and closes) as soon as it has it.
        var request = Array(head.utf8)
        if let body { request.append(contentsOf: body) }
        try write(request, to: fd)
        return try HTTPReplyReader.parse(try readAll(fd), socketPath: socketPath)
    }

    /// A GET whose answer is streamed (events, a capture): `body` gets the body's bytes as they
    /// come and returns false to stop reading (the connection's close then tells the daemon). An
    /// answer that is not 2xx is read whole and returned instead, for the caller to turn into its
    /// error. `idleSeconds` bounds a silence (nil: none, for a quiet capture).
    func stream(path: String, idleSeconds: Int?, _ body: ([UInt8]) throws(PatchbayError) -> Bool) throws(PatchbayError) -> Reply? {
        let fd = try connect(receiveTimeout: false)
        defer { close(fd) }
        if let idleSeconds {
            var timeout = timeval(tv_sec: idleSeconds, tv_usec: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        try write(Array("GET \(path) HTTP/1.1\r\nHost: patchbayd\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".utf8), to: fd)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var decoder: ChunkedDecoder?
        var plain = false
        while true {
            let n = try receive(fd, into: &chunk, silence: "sent nothing for \(idleSeconds ?? 0) s")
            if n == 0 {
                if decoder == nil && !plain { return try HTTPReplyReader.parse(received, socketPath: socketPath) }
                if decoder != nil { throw PatchbayError(.unavailable, "patchbayd at \(socketPath) closed the connection in the middle of its answer") }
                return nil
            }
            if var active = decoder {
                let data = try active.feed(chunk[..<n])
                decoder = active
                if !data.isEmpty, try !body(data) { return nil }
                if active.isFinished { return nil }
                continue
            }
            if plain {
                if try !body(Array(chunk[..<n])) { return nil }
                continue
            }
            received.append(contentsOf: chunk[..<n])
            guard let headEnd = received.firstRange(of: [13, 10, 13, 10]) else { continue }
            let head = String(decoding: received[..<headEnd.lowerBound], as: UTF8.self).lowercased()
            let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            // Not a stream: read it all, the caller reads the error.
            guard (200..<300).contains(status) else { continue }
            let rest = Array(received[headEnd.upperBound...])
            if head.contains("transfer-encoding: chunked") {
                var fresh = ChunkedDecoder()
                let data = try fresh.feed(rest)
                decoder = fresh
                if !data.isEmpty, try !body(data) { return nil }
                if fresh.isFinished { return nil }
            } else {
                plain = true
                if !rest.isEmpty, try !body(rest) { return nil }
            }
        }
    }

    private func unreachable(_ cause: String) -> PatchbayError {
        PatchbayError(.unavailable, "cannot reach patchbayd at \(socketPath) (is it running? set --socket or PATCHBAY_SOCKET)", cause: cause)
    }

    private func connect(receiveTimeout: Bool = true) throws(PatchbayError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw unreachable(String(cString: strerror(errno))) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        if receiveTimeout { _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) }
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = cpatchbay_unix_socket_address(fd, socketPath, 0)
        guard rc == 0 else {
            close(fd)
            if rc == -ENAMETOOLONG {
                throw PatchbayError(.invalidArgument, "the socket path '\(socketPath)' is longer than a unix socket path can be (107 bytes)")
            }
            throw unreachable(String(cString: strerror(-rc)))
        }
        return fd
    }

    private func write(_ bytes: [UInt8], to fd: Int32) throws(PatchbayError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                // The daemon may have answered and closed before taking the whole request (a
                // refusal); the answer, if any, is read next.
                return
            }
            sent += n
        }
    }

    private func readAll(_ fd: Int32) throws(PatchbayError) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = try receive(fd, into: &chunk, silence: "did not answer within \(timeoutSeconds) s")
            if n == 0 { return received }
            received.append(contentsOf: chunk[..<n])
        }
    }

    /// One recv: the bytes read (0 at the end of the connection); a receive timeout is the
    /// daemon's `silence`.
    private func receive(_ fd: Int32, into chunk: inout [UInt8], silence: String) throws(PatchbayError) -> Int {
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw PatchbayError(.unavailable, "patchbayd at \(socketPath) \(silence)") }
            throw unreachable(String(cString: strerror(errno)))
        }
    }
}

/// Reads an HTTP/1.1 response that ended with the connection (the request asked for
/// `Connection: close`): the status line, the headers, and a body framed by Content-Length, by
/// chunks, or by the end of the connection (RFC 9112 §6.3).
public enum HTTPReplyReader {
    public static func parse(_ bytes: [UInt8], socketPath: String) throws(PatchbayError) -> HTTPUnixTransport.Reply {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let headEnd = bytes.firstRange(of: separator) else {
            throw PatchbayError(.unavailable, "patchbayd at \(socketPath) closed the connection before answering")
        }
        let head = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusFields = lines.first?.split(separator: " ") ?? []
        guard statusFields.count >= 2, statusFields[0].hasPrefix("HTTP/1."), let status = Int(statusFields[1]) else {
            throw PatchbayError(.unavailable, "patchbayd at \(socketPath) sent no HTTP status line", cause: String(lines.first ?? ""))
        }
        var contentLength: Int?
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            if name == "content-length" {
                // RFC 9112 §8.6: digits only; "-1" would make prefix(_:) trap (found by FuzzHTTPReply).
                guard let length = Int(value), length >= 0 else {
                    throw PatchbayError(.unavailable, "patchbayd at \(socketPath) sent an unreadable Content-Length", cause: String(value))
                }
                contentLength = length
            }
            if name == "transfer-encoding" && value.lowercased().contains("chunked") { chunked = true }
        }
        let rest = bytes[headEnd.upperBound...]
        if chunked { return .init(status: status, body: Data(try dechunk(rest, socketPath: socketPath))) }
        if let contentLength {
            guard rest.count >= contentLength else {
                throw PatchbayError(.unavailable, "patchbayd at \(socketPath) closed the connection in the middle of its answer")
            }
            return .init(status: status, body: Data(rest.prefix(contentLength)))
        }
        return .init(status: status, body: Data(rest))
    }

    /// RFC 9112 §7.1: size in hex (extensions after ';'), CRLF, data, CRLF; a size of 0 ends it.
    public static func dechunk(_ bytes: ArraySlice<UInt8>, socketPath: String) throws(PatchbayError) -> [UInt8] {
        var body: [UInt8] = []
        var position = bytes.startIndex
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = bytes[position...].firstRange(of: crlf) else { break }
            let sizeText = String(decoding: bytes[position..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.filter { $0 != " " && $0 != "\t" }, radix: 16), size >= 0 else { break }
            if size == 0 { return body }
            let start = lineEnd.upperBound
            guard bytes.endIndex - start >= size + 2 else { break }
            body.append(contentsOf: bytes[start..<(start + size)])
            position = start + size + 2
        }
        throw PatchbayError(.unavailable, "patchbayd at \(socketPath) sent a malformed chunked answer")
    }
}
