import DNSWire
import NIOCore
import NIOPosix
import PatchbayModel

/// Sends queries a network does not answer itself to its upstream servers and hands their reply
/// back. One per network; its state is confined to one event loop.
///
/// Spoofing (RFC 5452): each query goes out under a fresh random ID (the client's own is restored
/// on the way back) from one of `socketsPerFamily` sockets on random ports, each replaced after
/// `queriesPerSocket` queries, and a reply is accepted only on the socket the query left by, from
/// the server it was sent to, with the question it was sent with.
///
/// Fairness: at most `maximumPending` queries are in flight for the network and
/// `maximumPendingPerClient` for one client address (dnsmasq's dns-forward-max is 150 for the
/// whole server); past that the client gets SERVFAIL at once, so one guest cannot make the others
/// wait. A server that does not answer within `timeout` is skipped for the next one.
///
/// Loops: a query from the host itself (its resolver) for a question this forwarder is asking a
/// server on the host right now is the same query coming round again (the host resolver sends
/// the network's names here, and this server forwards what it does not know to the host
/// resolver), and is answered SERVFAIL instead of being sent round once more.
///
/// TCP queries share one connection per upstream, pipelined (RFC 7766 §6.2.1), instead of a new
/// connection each.
///
/// Caching: answers are kept in a `DNSAnswerCache` for as long as their TTLs say, and a query for
/// a question already on its way to an upstream waits for that answer instead of being sent
/// again (at most `maximumWaiters` per question; the host's own queries are never joined to
/// another, so that the loop check above still sees them).
final class DNSForwarder: @unchecked Sendable {
    /// A query to forward, and who asked.
    struct Request: Sendable {
        var query: [UInt8]
        /// The query's question section, as the server read it: a reply must have the same.
        var questions: [DNSQuestion]
        var client: IPAddress
        /// The host itself asked (see `DNSZone.isHostItself`).
        var clientIsHost: Bool
        /// The question as the cache knows it; nil: neither cached nor joined to another query.
        var cacheKey: DNSAnswerCache.Key? = nil
        /// The largest reply the client can take (its EDNS size over UDP).
        var maximumSize: Int = 512
    }

    /// A client whose query joined one already on its way upstream.
    struct Waiter {
        var query: [UInt8]
        var maximumSize: Int
        var promise: EventLoopPromise<[UInt8]>
    }

    struct Pending {
        var clientID: UInt16
        var client: IPAddress
        var questions: [DNSQuestion]
        var query: [UInt8]
        var upstreams: [DNSUpstream]
        var index: Int
        /// The socket the query is out on now.
        var slot: Slot?
        var countsForLoops: Bool
        var promise: EventLoopPromise<[UInt8]>
        var timeout: Scheduled<Void>?
        var cacheKey: DNSAnswerCache.Key?
        var maximumSize: Int
        var waiters: [Waiter] = []
    }

    final class Slot: @unchecked Sendable {
        let channel: any Channel
        var sent = 0
        /// Queries out on this socket and not yet answered or timed out.
        var outstanding = 0
        /// Replaced: it takes no new queries and closes once `outstanding` is 0. (Closing it
        /// only after a fixed time kept hundreds open under load, each holding NIO's receive
        /// buffers: 30 MiB more resident memory at 30,000 forwarded queries a second.)
        var retired = false
        init(channel: any Channel) { self.channel = channel }
    }

    static let socketsPerFamily = 4
    static let queriesPerSocket = 512
    static let maximumPending = 4096
    static let maximumPendingPerClient = 256
    static let maximumWaiters = 64

    let loop: any EventLoop
    let timeout: TimeAmount
    private var ipv4: [Slot] = []
    private var ipv6: [Slot] = []
    private var replacing: Set<ObjectIdentifier> = []
    private var pending: [UInt16: Pending] = [:]
    private var perClient: [IPAddress: Int] = [:]
    /// Questions now being asked of a server on the host, for loop detection.
    private var hostBound: [DNSQuestion: Int] = [:]
    private var generator = SystemRandomNumberGenerator()
    private var turn = 0
    private var socketAddresses: [DNSUpstream: SocketAddress] = [:]
    private var closed = false
    private lazy var tcp = DNSTCPUpstreams(loop: loop, timeout: timeout)
    private var cache = DNSAnswerCache()
    /// The pending query asking each question now, for joining.
    private var asking: [DNSAnswerCache.Key: UInt16] = [:]

    init(loop: any EventLoop, timeout: TimeAmount = .seconds(2)) {
        self.loop = loop
        self.timeout = timeout
    }

    /// Opens the sockets: IPv4 always, IPv6 when the host has it.
    func open() async throws {
        var v4: [Slot] = []
        var v6: [Slot] = []
        do {
            for _ in 0..<Self.socketsPerFamily {
                v4.append(Slot(channel: try await bind(host: "0.0.0.0")))
                if let channel = try? await bind(host: "::") { v6.append(Slot(channel: channel)) }
            }
        } catch {
            for slot in v4 + v6 { slot.channel.close(promise: nil) }
            throw error
        }
        try await loop.submit { [v4, v6] in
            self.ipv4 = v4
            self.ipv6 = v6
        }.get()
    }

    private func bind(host: String) async throws -> any Channel {
        try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_rcvbuf), value: 1 << 20)
            // An upstream reply can be as large as a UDP datagram. (With vector reads on these
            // sockets no reply came back once they had been replaced twice, which the forwarding
            // test in DNSProtectionTests caught; single reads it is.)
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
            self.closed = true
            var slots = self.ipv4 + self.ipv6
            for (_, entry) in self.pending {
                entry.timeout?.cancel()
                entry.promise.fail(ForwardingError.closed)
                if let slot = entry.slot, slot.retired { slots.append(slot) }
            }
            self.pending = [:]
            // A retired socket can appear more than once; closing a closed channel does nothing.
            for slot in slots { slot.channel.close(promise: nil) }
            self.tcp.closeAll()
        }
    }

    /// Forwards `request` (a complete message from a client) over UDP; the future holds the reply
    /// with the client's ID.
    func forward(_ request: Request, to upstreams: [DNSUpstream]) -> EventLoopFuture<[UInt8]> {
        onLoop {
            let promise = self.loop.makePromise(of: [UInt8].self)
            guard !self.closed, request.query.count >= DNSHeader.length else {
                promise.fail(ForwardingError.closed)
                return promise.futureResult
            }
            if let hit = self.cachedAnswer(request) {
                promise.succeed(hit)
                return promise.futureResult
            }
            if self.join(request, promise: promise) { return promise.futureResult }
            if let refusal = self.admit(request) {
                promise.fail(refusal)
                return promise.futureResult
            }
            var id: UInt16
            repeat { id = UInt16.random(in: 0 ... .max, using: &self.generator) } while self.pending[id] != nil
            var outgoing = request.query
            outgoing[0] = UInt8(id >> 8)
            outgoing[1] = UInt8(id & 0xFF)
            let clientID = UInt16(request.query[0]) << 8 | UInt16(request.query[1])
            self.perClient[request.client, default: 0] += 1
            self.pending[id] = Pending(clientID: clientID, client: request.client, questions: request.questions, query: outgoing,
                                       upstreams: upstreams, index: 0, slot: nil, countsForLoops: false, promise: promise,
                                       cacheKey: request.cacheKey, maximumSize: request.maximumSize)
            if let key = request.cacheKey, !request.clientIsHost { self.asking[key] = id }
            self.send(id)
            return promise.futureResult
        }
    }

    /// Runs `body` on the forwarder's loop: at once when called there (the UDP server's channels
    /// share the loop, so every UDP query does), which saves a task and its future per query.
    private func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        loop.inEventLoop ? body() : loop.flatSubmit(body)
    }

    /// The kept answer to `request`, with its ID, question and TTLs made the client's; only on
    /// the forwarder's loop (the UDP server's channels share it, so they can ask without a hop).
    func cachedAnswer(_ request: Request) -> [UInt8]? {
        guard let key = request.cacheKey else { return nil }
        return cache.answer(key, query: request.query, maximumSize: request.maximumSize, now: Self.seconds())
    }

    /// The kept answer for the query in `query`, in a buffer of `allocator`'s; on the loop only.
    func cachedAnswer(_ key: DNSAnswerCache.Key, query: UnsafeRawBufferPointer, maximumSize: Int,
                      allocator: ByteBufferAllocator) -> ByteBuffer? {
        cache.answer(key, query: query, maximumSize: maximumSize, now: Self.seconds(), allocator: allocator)
    }

    private var localAnswers = DNSLocalAnswers()

    /// A kept answer from the zone (see `DNSLocalAnswers`); on the loop only.
    func localAnswer(_ key: DNSAnswerCache.Key, query: UnsafeRawBufferPointer, generation: UInt64,
                     allocator: ByteBufferAllocator) -> ByteBuffer? {
        localAnswers.answer(key, query: query, generation: generation, allocator: allocator)
    }

    /// Keeps an answer made from the zone of `generation`; on the loop only.
    func keepLocalAnswer(_ bytes: [UInt8], questionEnd: Int, for key: DNSAnswerCache.Key, generation: UInt64) {
        localAnswers.store(bytes, questionEnd: questionEnd, for: key, generation: generation)
    }

    /// Forgets every kept answer (the network's upstream servers changed).
    func flushCache() {
        loop.execute { self.cache.flush() }
    }

    static func seconds() -> Int64 { Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000_000) }

    /// Joins `request` to the query already asking its question, when there is one it can share
    /// an answer with (one that allows a reply at least as large).
    private func join(_ request: Request, promise: EventLoopPromise<[UInt8]>) -> Bool {
        guard !request.clientIsHost, let key = request.cacheKey, let id = asking[key], var entry = pending[id],
              entry.waiters.count < Self.maximumWaiters, entry.maximumSize <= request.maximumSize else { return false }
        entry.waiters.append(Waiter(query: request.query, maximumSize: request.maximumSize, promise: promise))
        pending[id] = entry
        return true
    }

    /// Why `request` may not be forwarded now, if it may not.
    private func admit(_ request: Request) -> ForwardingError? {
        if pending.count >= Self.maximumPending { return .busy }
        if perClient[request.client, default: 0] >= Self.maximumPendingPerClient { return .busy }
        if request.clientIsHost, let question = request.questions.first, hostBound[question, default: 0] > 0 { return .loop }
        return nil
    }

    /// Sends the pending query `id` to its current server and arms the timeout that moves it on.
    private func send(_ id: UInt16) {
        guard var entry = pending[id] else { return }
        unmarkLoop(&entry)
        leaveSlot(&entry)
        while entry.index < entry.upstreams.count {
            let upstream = entry.upstreams[entry.index]
            if let slot = pickSlot(ipv6: !upstream.address.isIPv4),
               let address = socketAddress(of: upstream) {
                entry.timeout = loop.scheduleTask(in: timeout) { self.timedOut(id) }
                entry.slot = slot
                slot.outstanding += 1
                if upstream.address.isOnHost, let question = entry.questions.first {
                    hostBound[question, default: 0] += 1
                    entry.countsForLoops = true
                }
                pending[id] = entry
                slot.sent += 1
                slot.channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: entry.query)), promise: nil)
                if slot.sent >= Self.queriesPerSocket { replace(slot, ipv6: !upstream.address.isIPv4) }
                return
            }
            entry.index += 1
        }
        finish(id, with: .failure(ForwardingError.noAnswer))
    }

    /// The upstream's socket address, made once (formatting and parsing the address for each
    /// query was a visible share of the forwarding cost).
    private func socketAddress(of upstream: DNSUpstream) -> SocketAddress? {
        if let known = socketAddresses[upstream] { return known }
        guard let address = try? SocketAddress(ipAddress: upstream.address.description, port: upstream.port) else { return nil }
        if socketAddresses.count > 64 { socketAddresses = [:] }
        socketAddresses[upstream] = address
        return address
    }

    /// The sockets take turns (the ports are random already; the IDs are what must not be guessed,
    /// and drawing a second random number per query costs a system call).
    private func pickSlot(ipv6: Bool) -> Slot? {
        let slots = ipv6 ? self.ipv6 : ipv4
        guard !slots.isEmpty else { return nil }
        turn = (turn + 1) % slots.count
        return slots[turn]
    }

    /// A socket that has sent its share is replaced by one on a new random port; it stays open
    /// for the answers still on their way, then closes.
    private func replace(_ slot: Slot, ipv6: Bool) {
        let key = ObjectIdentifier(slot.channel)
        guard !replacing.contains(key), !closed else { return }
        replacing.insert(key)
        loop.makeFutureWithTask { try await self.bind(host: ipv6 ? "::" : "0.0.0.0") }.whenComplete { result in
            self.replacing.remove(key)
            guard case .success(let channel) = result else { return }
            if self.closed {
                channel.close(promise: nil)
                return
            }
            if ipv6 {
                self.ipv6 = self.ipv6.map { $0 === slot ? Slot(channel: channel) : $0 }
            } else {
                self.ipv4 = self.ipv4.map { $0 === slot ? Slot(channel: channel) : $0 }
            }
            slot.retired = true
            if slot.outstanding == 0 { slot.channel.close(promise: nil) }
        }
    }

    private func leaveSlot(_ entry: inout Pending) {
        guard let slot = entry.slot else { return }
        entry.slot = nil
        slot.outstanding -= 1
        if slot.retired, slot.outstanding == 0 { slot.channel.close(promise: nil) }
    }

    private func timedOut(_ id: UInt16) {
        guard var entry = pending[id] else { return }
        entry.index += 1
        pending[id] = entry
        send(id)
    }

    private func unmarkLoop(_ entry: inout Pending) {
        guard entry.countsForLoops, let question = entry.questions.first else { return }
        entry.countsForLoops = false
        let left = (hostBound[question] ?? 1) - 1
        hostBound[question] = left > 0 ? left : nil
    }

    private func finish(_ id: UInt16, with result: Result<[UInt8], any Error>) {
        guard var entry = pending.removeValue(forKey: id) else { return }
        entry.timeout?.cancel()
        unmarkLoop(&entry)
        leaveSlot(&entry)
        let left = (perClient[entry.client] ?? 1) - 1
        perClient[entry.client] = left > 0 ? left : nil
        if let key = entry.cacheKey, asking[key] == id { asking[key] = nil }
        entry.promise.completeWith(result)
        for waiter in entry.waiters {
            switch result {
            case .success(let reply): waiter.promise.succeed(Self.reply(reply, as: waiter.query, questions: entry.questions))
            case .failure(let error): waiter.promise.fail(error)
            }
        }
    }

    /// `reply` with the ID and question section of `query` (which asked the same question,
    /// perhaps in other letter case).
    static func reply(_ reply: [UInt8], as query: [UInt8], questions: [DNSQuestion]) -> [UInt8] {
        var copy = reply
        copy[0] = query[0]
        copy[1] = query[1]
        let end = DNSMessage.questionSectionEnd(questions)
        if end <= copy.count, end <= query.count {
            for index in DNSHeader.length..<end { copy[index] = query[index] }
        }
        return copy
    }

    fileprivate func received(_ envelope: AddressedEnvelope<ByteBuffer>, on channel: any Channel) {
        let bytes = Array(envelope.data.readableBytesView)
        guard bytes.count >= DNSHeader.length else { return }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        guard let entry = pending[id], bytes[2] & 0x80 != 0, entry.slot?.channel === channel else { return }
        let upstream = entry.upstreams[entry.index]
        guard envelope.remoteAddress.port == upstream.port,
              envelope.remoteAddress.patchbayAddress == upstream.address,
              Self.sameQuestion(bytes, entry.questions) else { return }
        var reply = bytes
        reply[0] = UInt8(entry.clientID >> 8)
        reply[1] = UInt8(entry.clientID & 0xFF)
        if let key = entry.cacheKey { cache.store(reply, for: key, now: Self.seconds()) }
        finish(id, with: .success(reply))
    }

    /// Whether the reply's question section is the query's (`query` is the whole query, as the
    /// TCP upstreams keep it).
    static func sameQuestion(_ reply: [UInt8], _ query: [UInt8]) -> Bool {
        guard let asked = try? DNSMessage.parseQuestions(query) else { return false }
        return sameQuestion(reply, asked.questions)
    }

    /// Whether the reply's question section is `asked` (names compared without regard to case,
    /// since some servers randomise it). Only the questions are read: what follows is the
    /// client's to read, as any forwarder passes it on.
    static func sameQuestion(_ reply: [UInt8], _ asked: [DNSQuestion]) -> Bool {
        guard let answered = try? DNSHeader.parse(reply) else { return false }
        if asked.isEmpty { return true }
        guard answered.questionCount == UInt16(asked.count), let message = try? DNSMessage.parseQuestions(reply) else {
            // A truncated or unreadable reply still goes back if its header matches; the client
            // then retries over TCP.
            return answered.isTruncated
        }
        return message.questions == asked
    }

    /// Forwards over TCP, for clients that asked over TCP (after a truncated UDP reply, say).
    func forwardTCP(_ request: Request, to upstreams: [DNSUpstream]) -> EventLoopFuture<[UInt8]> {
        onLoop {
            guard !self.closed else { return self.loop.makeFailedFuture(ForwardingError.closed) }
            if let hit = self.cachedAnswer(request) { return self.loop.makeSucceededFuture(hit) }
            if let refusal = self.admit(request) { return self.loop.makeFailedFuture(refusal) }
            self.perClient[request.client, default: 0] += 1
            return self.tcp.forward(request.query, to: upstreams).always { _ in
                let left = (self.perClient[request.client] ?? 1) - 1
                self.perClient[request.client] = left > 0 ? left : nil
            }
        }
    }

    enum ForwardingError: Error { case noAnswer, busy, closed, loop }

    /// Whether the answer about to be written to `channel` may wait for a flush at the end of
    /// this turn of the event loop (it then leaves with the other answers of the turn, in one
    /// system call); false when the writer must flush it itself.
    func flushesLater(_ channel: any Channel) -> Bool {
        guard loop.inEventLoop, channel.eventLoop === loop else { return false }
        if toFlush.isEmpty { loop.execute { self.flushAnswers() } }
        if !toFlush.contains(where: { $0 === channel }) { toFlush.append(channel) }
        return true
    }

    private var toFlush: [any Channel] = []

    private func flushAnswers() {
        let channels = toFlush
        toFlush = []
        for channel in channels { channel.flush() }
    }

    private final class ReplyHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let forwarder: DNSForwarder
        init(forwarder: DNSForwarder) { self.forwarder = forwarder }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            forwarder.received(unwrapInboundIn(data), on: context.channel)
        }
    }
}

extension IPAddress {
    /// A loopback address: a server on the host itself (systemd-resolved's 127.0.0.53).
    var isOnHost: Bool {
        switch self {
        case .v4(let v4): v4.value >> 24 == 127
        case .v6: self == IPAddress("::1")
        }
    }
}
