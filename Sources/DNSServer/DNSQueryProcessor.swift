import DNSWire
import NIOConcurrencyHelpers
import NIOCore
import PatchbayModel
import Synchronization

/// The path of one query through a network's server, shared by its UDP and TCP listeners: read
/// it, decide against the current zone, and either answer at once or forward it.
struct DNSQueryProcessor: Sendable {
    enum Transport { case udp, tcp }

    enum Outcome {
        case reply([UInt8])
        /// An answer already in a buffer of the channel's allocator.
        case buffer(ByteBuffer)
        case later(EventLoopFuture<[UInt8]>)
        case none
    }

    let zone: NIOLockedValueBox<DNSZone>
    let forwarder: DNSForwarder
    let network: String
    /// Counts the zone's changes (`DNSService` bumps it): an answer kept from an older zone is
    /// not handed out.
    let zoneGeneration: ZoneGeneration
    let counters: DNSStatistics.Counters

    func process(_ bytes: [UInt8], from client: IPAddress, over transport: Transport) -> Outcome {
        bytes.withUnsafeBytes { process($0, from: client, over: transport, allocator: ByteBufferAllocator()) }
    }

    /// `bytes` is valid only for the call (a UDP query is read straight from the channel's
    /// receive buffer); it is copied only when the query goes upstream.
    func process(_ bytes: UnsafeRawBufferPointer, from client: IPAddress, over transport: Transport,
                 allocator: ByteBufferAllocator) -> Outcome {
        let (allowed, local) = zone.withLockedValue { ($0.isAllowed(client: client), $0.isHostItself(client)) }
        guard allowed else {
            counters.record(nil, .refused)
            return .none
        }
        let query: DNSMessage
        do { query = try DNSMessage.parse(bytes) } catch {
            counters.record(nil, .malformed)
            return DNSResponder.formatError(for: Array(bytes)).map(Outcome.reply) ?? .none
        }
        let type = query.questions.first?.type
        let key = DNSAnswerCache.key(for: query)
        let onLoop = transport == .udp && forwarder.loop.inEventLoop
        let generation = zoneGeneration.value
        if onLoop, let key, let kept = forwarder.localAnswer(key, query: bytes, generation: generation, allocator: allocator) {
            counters.record(type, .local)
            return .buffer(kept)
        }
        let decision = zone.withLockedValue { DNSResponder.decide(query, zone: $0, client: client) }
        switch decision {
        case .drop:
            counters.record(type, .refused)
            return .none
        case .answer(let message):
            counters.record(type, .local)
            let encoded = message.encoded(maxSize: transport == .udp ? query.maximumUDPResponseSize : Int(UInt16.max))
            if onLoop, let key {
                let questionEnd = DNSMessage.questionSectionEnd(query.questions)
                forwarder.keepLocalAnswer(encoded, questionEnd: questionEnd, for: key, generation: generation)
            }
            return .reply(encoded)
        case .forward(let upstreams):
            let maximumSize = transport == .udp ? query.maximumUDPResponseSize : Int(UInt16.max)
            // A UDP query is read on the forwarder's loop: a kept answer goes back at once.
            if onLoop, let key,
               let hit = forwarder.cachedAnswer(key, query: bytes, maximumSize: maximumSize, allocator: allocator) {
                counters.record(type, .cached)
                return .buffer(hit)
            }
            counters.record(type, .forwarded)
            let counters = self.counters
            let request = DNSForwarder.Request(query: Array(bytes), questions: query.questions, client: client, clientIsHost: local,
                                               cacheKey: key, maximumSize: maximumSize)
            let future = transport == .udp ? forwarder.forward(request, to: upstreams) : forwarder.forwardTCP(request, to: upstreams)
            return .later(future.flatMapErrorThrowing { _ in
                counters.record(type, .failed)
                return DNSResponder.reply(to: query, code: .servFail).encoded()
            })
        }
    }
}

extension SocketAddress {
    /// The address as Patchbay's model has it, without going through text.
    var patchbayAddress: IPAddress? {
        switch self {
        case .v4(let v4): .v4(PatchbayModel.IPv4Address(UInt32(bigEndian: v4.address.sin_addr.s_addr)))
        case .v6(let v6):
            withUnsafeBytes(of: v6.address.sin6_addr) { PatchbayModel.IPv6Address(bytes: Array($0)) }.map(IPAddress.v6)
        default: nil
        }
    }
}

/// The zone's change counter, shared by a network's service (which bumps it) and its listeners.
final class ZoneGeneration: Sendable {
    private let counter = Atomic<UInt64>(0)
    var value: UInt64 { counter.load(ordering: .acquiring) }
    func bump() { counter.add(1, ordering: .releasing) }
}
