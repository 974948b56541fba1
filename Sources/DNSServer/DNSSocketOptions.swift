import Glibc
import NIOCore

/// Socket options NIO has no name for.
enum DNSSocketOptions {
    /// IP_FREEBIND / IPV6_FREEBIND: bind an address the kernel does not consider usable yet (an
    /// IPv6 address still in duplicate address detection right after `net-start`).
    static func freebind(_ channel: any Channel, ipv6: Bool) -> EventLoopFuture<Void> {
        guard let provider = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededVoidFuture() }
        let level = ipv6 ? SocketOptionLevel(IPPROTO_IPV6) : SocketOptionLevel(IPPROTO_IP)
        let name = ipv6 ? SocketOptionName(78) : SocketOptionName(15)  // IPV6_FREEBIND, IP_FREEBIND
        return provider.unsafeSetSocketOption(level: level, name: name, value: Int32(1))
    }
}
