import DNSWire
import Glibc
import NIOCore
import NIOPosix
import PatchbayModel

/// Sends queries a network does not answer itself to its upstream servers and hands their reply
/// back. One per network, with one UDP socket per address family, its state confined to one
/// event loop.
///
/// Each query goes out under a fresh random ID (the client's own is restored on the way back),
/// and a reply is accepted only from the server it was sent to with the question it was sent
/// with: a guest cannot steer the IDs, and an off-path host has to guess 16 bits and the port.
/// A server that does not answer within `timeout` is skipped for the next one; when none
/// answers the client gets SERVFAIL.
final class DNSForwarder: @unchecked Sendable {
    struct Pending {
        var clientID: UInt16
        var query: [UInt8]
        var upstreams: [DNSUpstream]
        var index: Int
        var promise: EventLoopPromise<[UInt8]>
        var timeout: Scheduled<Void>?
    }

    let loop: any EventLoop
    let timeout: TimeAmount
    private var ipv4: (any Channel)?
    private var ipv6: (any Channel)?
    private var pending: [UInt16: Pending] = [:]
    private var generator = SystemRandomNumberGenerator()

    init(loop: any EventLoop, timeout: TimeAmount = .seconds(2)) {
        self.loop = loop
        self.timeout = timeout
    }

    /// Opens the sockets: IPv4 always, IPv6 when the host has it.
    func open() async throws {
        ipv4 = try await bind(host: "0.0.0.0")
        ipv6 = try? await bind(host: "::")
    }

    private func bind(host: String) async throws -> any Channel {
        try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            // An upstream reply can be as large as a UDP datagram.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReplyHandler(forwarder: self))
                }
            }
            .bind(host: host, port: 0).get()
    }

    func close() {
        loop.execute {
            for (_, entry) in self.pending {
                entry.timeout?.cancel()
                entry.promise.fail(ForwardingError.closed)
            }
            self.pending = [:]
            self.ipv4?.close(promise: nil)
            self.ipv6?.close(promise: nil)
        }
    }

    /// Forwards `query` (a complete message from a client) over UDP; the future holds the reply
    /// with the client's ID.
    func forward(_ query: [UInt8], to upstreams: [DNSUpstream]) -> EventLoopFuture<[UInt8]> {
        loop.flatSubmit {
            let promise = self.loop.makePromise(of: [UInt8].self)
            guard query.count >= DNSHeader.length, self.pending.count < 60_000 else {
                promise.fail(ForwardingError.busy)
                return promise.futureResult
            }
            var id: UInt16
            repeat { id = UInt16.random(in: 0 ... .max, using: &self.generator) } while self.pending[id] != nil
            var outgoing = query
            outgoing[0] = UInt8(id >> 8)
            outgoing[1] = UInt8(id & 0xFF)
            let clientID = UInt16(query[0]) << 8 | UInt16(query[1])
            self.pending[id] = Pending(clientID: clientID, query: outgoing, upstreams: upstreams, index: 0, promise: promise)
            self.send(id)
            return promise.futureResult
        }
    }

    /// Sends the pending query `id` to its current server and arms the timeout that moves it on.
    private func send(_ id: UInt16) {
        guard var entry = pending[id] else { return }
        while entry.index < entry.upstreams.count {
            let upstream = entry.upstreams[entry.index]
            let channel = upstream.address.isIPv4 ? ipv4 : ipv6
            if let channel, let address = try? SocketAddress(ipAddress: upstream.address.description, port: upstream.port) {
                entry.timeout = loop.scheduleTask(in: timeout) { self.timedOut(id) }
                pending[id] = entry
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: entry.query)), promise: nil)
                return
            }
            entry.index += 1
        }
        pending[id] = nil
        entry.promise.fail(ForwardingError.noAnswer)
    }

    private func timedOut(_ id: UInt16) {
        guard var entry = pending[id] else { return }
        entry.index += 1
        pending[id] = entry
        send(id)
    }

    fileprivate func received(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let bytes = Array(envelope.data.readableBytesView)
        guard bytes.count >= DNSHeader.length else { return }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard let entry = pending[id], bytes[2] & 0x80 != 0 else { return }
        let upstream = entry.upstreams[entry.index]
        guard envelope.remoteAddress.port == upstream.port,
              envelope.remoteAddress.ipAddress.flatMap(IPAddress.init) == upstream.address,
              Self.sameQuestion(bytes, entry.query) else { return }
        entry.timeout?.cancel()
        pending[id] = nil
        var reply = bytes
        reply[0] = UInt8(entry.clientID >> 8)
        reply[1] = UInt8(entry.clientID & 0xFF)
        entry.promise.succeed(reply)
    }

    /// Whether the reply's question section is the query's, byte for byte (names compared
    /// without regard to case, since some servers randomise it).
    static func sameQuestion(_ reply: [UInt8], _ query: [UInt8]) -> Bool {
        guard let asked = try? DNSMessage.parse(query), let answered = try? DNSHeader.parse(reply) else { return false }
        if asked.questions.isEmpty { return true }
        guard answered.questionCount == UInt16(asked.questions.count), let message = try? DNSMessage.parse(reply) else {
            // A truncated or unreadable reply still goes back if its header matches; the client
            // then retries over TCP.
            return answered.isTruncated
        }
        return message.questions == asked.questions
    }

    /// Forwards over TCP, for clients that asked over TCP (after a truncated UDP reply, say).
    func forwardTCP(_ query: [UInt8], to upstreams: [DNSUpstream]) -> EventLoopFuture<[UInt8]> {
        guard let upstream = upstreams.first else { return loop.makeFailedFuture(ForwardingError.noAnswer) }
        let rest = Array(upstreams.dropFirst())
        let promise = loop.makePromise(of: [UInt8].self)
        let timeout = self.timeout
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(TCPReplyHandler(promise: promise))
                }
            }
            .connect(host: upstream.address.description, port: upstream.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    channel.writeAndFlush(ByteBuffer.tcpFramed(query), promise: nil)
                    channel.eventLoop.scheduleTask(in: timeout) {
                        promise.fail(ForwardingError.noAnswer)
                        channel.close(promise: nil)
                    }
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure:
                    promise.fail(ForwardingError.noAnswer)
                }
            }
        return promise.futureResult.flatMapError { error in
            rest.isEmpty ? self.loop.makeFailedFuture(error) : self.forwardTCP(query, to: rest)
        }
    }

    enum ForwardingError: Error { case noAnswer, busy, closed }

    private final class ReplyHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let forwarder: DNSForwarder
        init(forwarder: DNSForwarder) { self.forwarder = forwarder }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            forwarder.received(unwrapInboundIn(data))
        }
    }

    private final class TCPReplyHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<[UInt8]>
        init(promise: EventLoopPromise<[UInt8]>) { self.promise = promise }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            promise.succeed(Array(unwrapInboundIn(data).readableBytesView))
        }
        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ForwardingError.noAnswer)
        }
    }
}
