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

    private func unreachable(_ cause: String) -> PatchbayError {
        PatchbayError(.unavailable, "cannot reach patchbayd at \(socketPath) (is it running? set --socket or PATCHBAY_SOCKET)", cause: cause)
    }

    /// A GET whose 2xx body is handed to `sink` piece by piece as it arrives (a capture), with no
    /// receive timeout: a quiet capture may send nothing for as long as it runs. `sink` returns
    /// false to stop reading (its output went away); the connection's close then tells the
    /// daemon. Any other status is read whole and returned as a reply for the caller to decode.
    func stream(path: String, sink: (ArraySlice<UInt8>) -> Bool) throws(PatchbayError) -> Reply? {
        let fd = try connect(receiveTimeout: false)
        defer { close(fd) }
        try write(Array("GET \(path) HTTP/1.1\r\nHost: patchbayd\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".utf8), to: fd)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let separator: [UInt8] = [13, 10, 13, 10]
        // The head first.
        var headEnd: Range<Int>?
        while headEnd == nil {
            let n = try receive(fd, &chunk)
            if n == 0 { return try HTTPReplyReader.parse(received, socketPath: socketPath) }
            received.append(contentsOf: chunk[..<n])
            headEnd = received.firstRange(of: separator)
        }
        let head = String(decoding: received[..<headEnd!.lowerBound], as: UTF8.self).lowercased()
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        guard (200..<300).contains(status) else {
            while true {
                let n = try receive(fd, &chunk)
                if n == 0 { return try HTTPReplyReader.parse(received, socketPath: socketPath) }
                received.append(contentsOf: chunk[..<n])
            }
        }
        let chunked = head.split(separator: "\r\n").contains { $0.hasPrefix("transfer-encoding:") && $0.contains("chunked") }
        var decoder = ChunkedBodyDecoder()
        var pending = Array(received[headEnd!.upperBound...])
        while true {
            if !pending.isEmpty {
                if chunked {
                    let (data, finished) = try decoder.feed(pending, socketPath: socketPath)
                    if !data.isEmpty && !sink(data[...]) { return nil }
                    if finished { return nil }
                } else if !sink(pending[...]) {
                    return nil
                }
            }
            let n = try receive(fd, &chunk)
            if n == 0 {
                if chunked { throw PatchbayError(.unavailable, "patchbayd at \(socketPath) closed the connection in the middle of its answer") }
                return nil
            }
            pending = Array(chunk[..<n])
        }
    }

    private func receive(_ fd: Int32, _ chunk: inout [UInt8]) throws(PatchbayError) -> Int {
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw unreachable(String(cString: strerror(errno)))
        }
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
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    throw PatchbayError(.unavailable, "patchbayd at \(socketPath) did not answer within \(timeoutSeconds) s")
                }
                throw unreachable(String(cString: strerror(errno)))
            }
            if n == 0 { return received }
            received.append(contentsOf: chunk[..<n])
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
            if name == "content-length" { contentLength = Int(value) }
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

/// RFC 9112 §7.1 read as it arrives: a body in chunks handed on as soon as each piece is here,
/// for answers that last as long as a capture does.
public struct ChunkedBodyDecoder: Sendable {
    private enum State: Sendable {
        case size
        case data(remaining: Int)
        case dataEnd
        case done
    }

    private var state = State.size
    private var buffered: [UInt8] = []

    public init() {}

    /// The body bytes `bytes` completes, and whether the last chunk (size 0) has come. Trailers
    /// after it are ignored.
    public mutating func feed(_ bytes: [UInt8], socketPath: String) throws(PatchbayError) -> (data: [UInt8], finished: Bool) {
        buffered += bytes
        var data: [UInt8] = []
        var position = 0
        let crlf: [UInt8] = [13, 10]
        loop: while true {
            switch state {
            case .done:
                break loop
            case .size:
                guard let end = buffered[position...].firstRange(of: crlf) else {
                    guard buffered.count - position <= 1_024 else { throw malformed(socketPath) }
                    break loop
                }
                let text = String(decoding: buffered[position..<end.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(text.filter { $0 != " " && $0 != "\t" }, radix: 16), size >= 0 else { throw malformed(socketPath) }
                position = end.upperBound
                state = size == 0 ? .done : .data(remaining: size)
            case .data(let remaining):
                let take = min(remaining, buffered.count - position)
                guard take > 0 else { break loop }
                data += buffered[position..<(position + take)]
                position += take
                state = take == remaining ? .dataEnd : .data(remaining: remaining - take)
            case .dataEnd:
                guard buffered.count - position >= 2 else { break loop }
                guard buffered[position] == 13, buffered[position + 1] == 10 else { throw malformed(socketPath) }
                position += 2
                state = .size
            }
        }
        buffered.removeFirst(position)
        if case .done = state { return (data, true) }
        return (data, false)
    }

    private func malformed(_ socketPath: String) -> PatchbayError {
        PatchbayError(.unavailable, "patchbayd at \(socketPath) sent a malformed chunked answer")
    }
}
