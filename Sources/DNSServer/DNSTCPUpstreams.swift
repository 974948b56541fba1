import DNSWire
import NIOCore
import NIOPosix
import PatchbayModel

/// The TCP side of a network's forwarder: one connection per upstream server, opened when a
/// query needs it, shared by every TCP query to that server (pipelined, matched by a fresh random
/// ID and the question), and closed after `idleTimeout` without queries. State confined to
/// `loop`.
final class DNSTCPUpstreams: @unchecked Sendable {
    struct Waiting {
        var clientID: UInt16
        var query: [UInt8]
        var promise: EventLoopPromise<[UInt8]>
        var timeout: Scheduled<Void>?
    }

    final class Connection: @unchecked Sendable {
        var channel: (any Channel)?
        var connecting: EventLoopFuture<any Channel>?
        var waiting: [UInt16: Waiting] = [:]
        var idle: Scheduled<Void>?
    }

    static let idleTimeout: TimeAmount = .seconds(10)
    static let maximumPipelined = 64

    let loop: any EventLoop
    let timeout: TimeAmount
    private var connections: [DNSUpstream: Connection] = [:]
    private var generator = SystemRandomNumberGenerator()
    private var closed = false

    init(loop: any EventLoop, timeout: TimeAmount) {
        self.loop = loop
        self.timeout = timeout
    }

    /// `query` to the first upstream that answers; called on `loop`.
    func forward(_ query: [UInt8], to upstreams: [DNSUpstream]) -> EventLoopFuture<[UInt8]> {
        guard let upstream = upstreams.first else { return loop.makeFailedFuture(DNSForwarder.ForwardingError.noAnswer) }
        let rest = Array(upstreams.dropFirst())
        return ask(upstream, query).flatMapError { error in
            rest.isEmpty ? self.loop.makeFailedFuture(error) : self.forward(query, to: rest)
        }
    }

    private func ask(_ upstream: DNSUpstream, _ query: [UInt8]) -> EventLoopFuture<[UInt8]> {
        let connection = connections[upstream] ?? Connection()
        connections[upstream] = connection
        guard connection.waiting.count < Self.maximumPipelined, query.count >= DNSHeader.length else {
            return loop.makeFailedFuture(DNSForwarder.ForwardingError.busy)
        }
        connection.idle?.cancel()
        connection.idle = nil
        var fresh: UInt16
        repeat { fresh = UInt16.random(in: 0 ... .max, using: &generator) } while connection.waiting[fresh] != nil
        let id = fresh
        var framed = query
        framed[0] = UInt8(id >> 8)
        framed[1] = UInt8(id & 0xFF)
        let outgoing = framed
        let promise = loop.makePromise(of: [UInt8].self)
        var waiting = Waiting(clientID: UInt16(query[0]) << 8 | UInt16(query[1]), query: outgoing, promise: promise)
        waiting.timeout = loop.scheduleTask(in: timeout) { self.fail(upstream, id, DNSForwarder.ForwardingError.noAnswer) }
        connection.waiting[id] = waiting
        channel(for: upstream, connection).whenComplete { result in
            switch result {
            case .success(let channel): channel.writeAndFlush(ByteBuffer.tcpFramed(outgoing), promise: nil)
            case .failure: self.fail(upstream, id, DNSForwarder.ForwardingError.noAnswer)
            }
        }
        return promise.futureResult
    }

    private func channel(for upstream: DNSUpstream, _ connection: Connection) -> EventLoopFuture<any Channel> {
        if let channel = connection.channel, channel.isActive { return loop.makeSucceededFuture(channel) }
        if let connecting = connection.connecting { return connecting }
        let future = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ReplyHandler(owner: self, upstream: upstream))
                }
            }
            .connect(host: upstream.address.description, port: upstream.port)
        connection.connecting = future
        future.whenComplete { result in
            connection.connecting = nil
            guard case .success(let channel) = result else { return }
            // Closed (or replaced) while connecting: this connection has no owner.
            guard !self.closed, self.connections[upstream] === connection else {
                channel.close(promise: nil)
                return
            }
            connection.channel = channel
        }
        return future
    }

    fileprivate func received(_ bytes: [UInt8], from upstream: DNSUpstream) {
        guard bytes.count >= DNSHeader.length, let connection = connections[upstream] else { return }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard let waiting = connection.waiting[id], DNSForwarder.sameQuestion(bytes, waiting.query) else { return }
        connection.waiting[id] = nil
        waiting.timeout?.cancel()
        var reply = bytes
        reply[0] = UInt8(waiting.clientID >> 8)
        reply[1] = UInt8(waiting.clientID & 0xFF)
        waiting.promise.succeed(reply)
        scheduleIdleClose(upstream, connection)
    }

    private func fail(_ upstream: DNSUpstream, _ id: UInt16, _ error: any Error) {
        guard let connection = connections[upstream], let waiting = connection.waiting.removeValue(forKey: id) else { return }
        waiting.timeout?.cancel()
        waiting.promise.fail(error)
        scheduleIdleClose(upstream, connection)
    }

    /// The server closed the connection: whatever it had not answered fails (and the caller tries
    /// the next server); the next query opens a new connection.
    fileprivate func closed(_ upstream: DNSUpstream) {
        guard let connection = connections.removeValue(forKey: upstream) else { return }
        connection.idle?.cancel()
        for (_, waiting) in connection.waiting {
            waiting.timeout?.cancel()
            waiting.promise.fail(DNSForwarder.ForwardingError.noAnswer)
        }
    }

    private func scheduleIdleClose(_ upstream: DNSUpstream, _ connection: Connection) {
        guard connection.waiting.isEmpty, connection.idle == nil else { return }
        connection.idle = loop.scheduleTask(in: Self.idleTimeout) {
            connection.channel?.close(promise: nil)
        }
    }

    func closeAll() {
        closed = true
        for (upstream, connection) in connections {
            connection.channel?.close(promise: nil)
            closed(upstream)
        }
    }

    private final class ReplyHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let owner: DNSTCPUpstreams
        let upstream: DNSUpstream
        init(owner: DNSTCPUpstreams, upstream: DNSUpstream) {
            self.owner = owner
            self.upstream = upstream
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            owner.received(Array(unwrapInboundIn(data).readableBytesView), from: upstream)
        }
        func channelInactive(context: ChannelHandlerContext) {
            owner.closed(upstream)
            context.fireChannelInactive()
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
