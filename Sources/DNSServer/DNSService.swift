import DNSWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PatchbayModel

/// The DNS server of one network: UDP and TCP on port 53 of each of the network's own addresses
/// (never a wildcard address, so it answers nobody who cannot reach the network), the zone, and
/// a forwarder for everything else.
///
/// Queries are answered on the event loop that read them, with no hop to an actor: a local
/// answer is a dictionary lookup under a short lock, which is how the server keeps up with
/// dnsmasq's rate.
public final class DNSService: Sendable {
    public let network: String
    private let zone: NIOLockedValueBox<DNSZone>
    private let forwarder: DNSForwarder
    private let zoneGeneration = ZoneGeneration()
    private let channels: NIOLockedValueBox<[any Channel]>
    /// Accepted TCP connections, by identity.
    let clients = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let logger: Logger

    init(network: String, zone: DNSZone, forwarder: DNSForwarder, logger: Logger) {
        self.network = network
        self.zone = NIOLockedValueBox(zone)
        self.forwarder = forwarder
        self.channels = NIOLockedValueBox([])
        self.logger = logger
    }

    /// Starts a server for `zone` on `addresses`, port `port`.
    public static func start(network: String, zone: DNSZone, addresses: [IPAddress], port: Int = 53,
                             budget: DNSConnectionBudget = DNSConnectionBudget(), statistics: DNSStatistics = DNSStatistics(),
                             logger: Logger) async throws(DNSServiceError) -> DNSService {
        let group = MultiThreadedEventLoopGroup.singleton
        let forwarder = DNSForwarder(loop: group.next())
        let service = DNSService(network: network, zone: zone, forwarder: forwarder, logger: logger)
        do {
            try await forwarder.open()
        } catch {
            forwarder.close()
            throw DNSServiceError(network: network, what: "cannot open the forwarding socket", cause: "\(error)")
        }
        let processor = DNSQueryProcessor(zone: service.zone, forwarder: forwarder, network: network,
                                          zoneGeneration: service.zoneGeneration, counters: statistics.counters(for: network))
        for address in addresses {
            do {
                // On the forwarder's loop: a forwarded query and its reply then never cross
                // threads (otherwise two thread wake-ups per query).
                let udp = try await DatagramBootstrap(group: forwarder.loop)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                    // Vector reads share the receive buffer among the messages of a batch: 16
                    // slots of 4 KiB hold any query a client sends (EDNS sizes top out there).
                    .channelOption(.datagramVectorReadMessageCount, value: 16)
                    .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 16 * 4096))
                    .channelInitializer { channel in
                        DNSSocketOptions.freebind(channel, ipv6: !address.isIPv4).flatMapThrowing {
                            try channel.pipeline.syncOperations.addHandler(DNSUDPHandler(processor: processor))
                        }
                    }
                    .bind(host: address.description, port: port).get()
                service.channels.withLockedValue { $0.append(udp) }
                let tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .serverChannelInitializer { channel in DNSSocketOptions.freebind(channel, ipv6: !address.isIPv4) }
                    .serverChannelOption(.backlog, value: 128)
                    .childChannelInitializer { channel in
                        guard let client = channel.remoteAddress?.patchbayAddress, budget.acquire(network: network, client: client) else {
                            return channel.close()
                        }
                        let key = ObjectIdentifier(channel)
                        service.clients.withLockedValue { $0[key] = channel }
                        channel.closeFuture.whenComplete { _ in
                            budget.release(network: network, client: client)
                            service.clients.withLockedValue { $0[key] = nil }
                        }
                        // However busy, a connection ends after its lifetime.
                        let lifetime = channel.eventLoop.scheduleTask(in: .seconds(budget.limits.lifetimeSeconds)) { channel.close(promise: nil) }
                        channel.closeFuture.whenComplete { _ in lifetime.cancel() }
                        return channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandlers([
                                IdleStateHandler(readTimeout: .seconds(10)),
                                ByteToMessageHandler(DNSTCPFrameDecoder()),
                                DNSTCPHandler(processor: processor, client: client),
                            ])
                        }
                    }
                    .bind(host: address.description, port: port).get()
                service.channels.withLockedValue { $0.append(tcp) }
            } catch {
                await service.stop()
                throw DNSServiceError(network: network, what: "cannot serve DNS on \(address) port \(port)", cause: "\(error)")
            }
        }
        logger.info("DNS server started", metadata: ["network": "\(network)", "addresses": "\(addresses.map(\.description))",
                                                     "upstreams": "\(zone.upstreams.map(\.description))"])
        return service
    }

    /// Closes the listeners, then every connection they accepted (which would otherwise live on
    /// for up to their lifetime, answering from a zone nobody updates), then the forwarder.
    public func stop() async {
        let open = channels.withLockedValue { channels in defer { channels = [] }; return channels }
        for channel in open { try? await channel.close() }
        let accepted = clients.withLockedValue { clients in defer { clients = [:] }; return Array(clients.values) }
        for channel in accepted { try? await channel.close() }
        forwarder.close()
    }

    /// Serves `zone` from now on (a `net-update` of the network's DNS data), on the same sockets.
    /// Kept answers are forgotten when the servers they came from change.
    public func replaceZone(_ zone: DNSZone) {
        let sameServers = self.zone.withLockedValue { old in
            defer { old = zone }
            return old.upstreams == zone.upstreams
                && old.domainForwarders.map { "\($0.domain) \($0.upstreams)" } == zone.domainForwarders.map { "\($0.domain) \($0.upstreams)" }
        }
        zoneGeneration.bump()
        if !sameServers { forwarder.flushCache() }
    }

    /// Publishes or withdraws lease names as DHCP grants, releases and reclaims them.
    public func leasesChanged(upserts: [DHCPLease], deletions: [IPv4Address]) {
        zone.withLockedValue { zone in
            for address in deletions { zone.remove(leaseAddress: address) }
            for lease in upserts { zone.update(lease: lease) }
        }
        zoneGeneration.bump()
    }
}

/// Why a network's DNS server could not start.
public struct DNSServiceError: Error, Sendable, CustomStringConvertible {
    public var network: String
    public var what: String
    public var cause: String
    public var description: String { "network \(network): \(what): \(cause)" }
}

final class DNSUDPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let processor: DNSQueryProcessor
    init(processor: DNSQueryProcessor) { self.processor = processor }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let client = envelope.remoteAddress.patchbayAddress else { return }
        let allocator = context.channel.allocator
        let outcome = envelope.data.withUnsafeReadableBytes { processor.process($0, from: client, over: .udp, allocator: allocator) }
        switch outcome {
        case .none:
            return
        case .reply(let reply):
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))),
                          promise: nil)
        case .buffer(let reply):
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: reply)), promise: nil)
        case .later(let future):
            let channel = context.channel, remote = envelope.remoteAddress, forwarder = processor.forwarder
            future.whenSuccess { reply in
                let answer = AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: reply))
                if forwarder.flushesLater(channel) {
                    channel.write(answer, promise: nil)
                } else {
                    channel.writeAndFlush(answer, promise: nil)
                }
            }
        }
    }

    /// Replies are flushed once per batch of reads, not once per reply.
    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

final class DNSTCPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Queries one connection may have waiting for an upstream at once (RFC 7766 pipelining);
    /// past that the client gets SERVFAIL at once.
    static let maximumInFlight = 16

    let processor: DNSQueryProcessor
    let client: IPAddress
    /// Touched on the channel's event loop only.
    private var inFlight = 0

    init(processor: DNSQueryProcessor, client: IPAddress) {
        self.processor = processor
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        guard inFlight < Self.maximumInFlight else {
            if let query = try? DNSMessage.parse(bytes) {
                context.writeAndFlush(wrapOutboundOut(.tcpFramed(DNSResponder.reply(to: query, code: .servFail).encoded())), promise: nil)
            }
            return
        }
        switch processor.process(bytes, from: client, over: .tcp) {
        case .none:
            context.close(promise: nil)
        case .reply(let reply):
            context.writeAndFlush(wrapOutboundOut(.tcpFramed(reply)), promise: nil)
        case .buffer(let reply):
            context.writeAndFlush(wrapOutboundOut(.tcpFramed(Array(reply.readableBytesView))), promise: nil)
        case .later(let future):
            let channel = context.channel
            inFlight += 1
            future.hop(to: context.eventLoop).whenComplete { result in
                self.inFlight -= 1
                if case .success(let reply) = result { channel.writeAndFlush(ByteBuffer.tcpFramed(reply), promise: nil) }
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
