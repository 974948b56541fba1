import Glibc
import PatchbayModel

/// `--metrics-listen HOST:PORT` (`[ADDR]:PORT` for IPv6), checked before the daemon does
/// anything: a malformed value or an address someone else holds stops the start with a message
/// that names it, instead of a daemon that runs without the metrics it was asked for.
struct MetricsListen: Sendable {
    var host: String
    var port: Int

    init?(_ text: String) {
        var host: Substring, port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let number = Int(port), (1...65535).contains(number), IPAddress(host) != nil else { return nil }
        self.host = String(host)
        self.port = number
    }

    /// Binds and releases the address at once: EADDRINUSE or EADDRNOTAVAIL now, not later.
    func checkAvailable() throws(PatchbayError) {
        guard let address = IPAddress(host) else { return }
        let family: Int32
        var storage = sockaddr_storage()
        var length: socklen_t
        switch address {
        case .v4(let a):
            family = AF_INET
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = in_port_t(UInt16(port).bigEndian)
            sin.sin_addr.s_addr = a.value.bigEndian
            withUnsafeBytes(of: sin) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        case .v6(let a):
            family = AF_INET6
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: a.bytes) }
            withUnsafeBytes(of: sin6) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PatchbayError(.kernel, "cannot open a socket for --metrics-listen \(host):\(port)", cause: String(cString: strerror(errno))) }
        defer { close(fd) }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        if rc != 0 {
            throw PatchbayError(.invalidArgument, "cannot listen for metrics on \(host):\(port): \(String(cString: strerror(errno)))")
        }
    }
}
