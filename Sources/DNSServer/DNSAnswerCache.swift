import DNSWire
import NIOCore

/// Upstream answers kept for as long as their TTLs allow, per network, so a name asked for again
/// is answered without asking the upstream. No I/O and no clock of its own: the forwarder feeds it
/// replies and the time (in seconds, monotonic), which keeps every rule unit-testable.
///
/// What is kept (RFC 1035 §7.4, RFC 2181 §5.2 and §8, RFC 2308):
/// - a NOERROR answer with records, for the smallest TTL among its answer and authority records;
/// - a negative answer (NXDOMAIN, or NOERROR with no answer: NODATA) for the TTL RFC 2308 §5
///   gives it, the smaller of its SOA record's TTL and the SOA MINIMUM field; a negative answer
///   without an SOA is not kept (RFC 2308 §5: it SHOULD NOT be cached);
/// - nothing truncated, nothing with another RCODE (SERVFAIL, REFUSED, FORMERR: RFC 2308 §7.1
///   allows at most 5 minutes for SERVFAIL; not keeping it lets a recovered upstream be seen at
///   once), nothing with TTL 0, and nothing longer than `maximumTTL` (unbound's cache-max-ttl).
///
/// An answer handed out again is the upstream's bytes with the client's ID and question (its
/// letter case) and every TTL counted down by the time it has been kept (RFC 1035 §7.4), so a
/// client never sees a record live longer than its owner said.
///
/// Bounded: at most `maximumEntries` answers and `maximumBytes` of message bytes per network;
/// when either is reached, expired answers go first, then the oldest.
public struct DNSAnswerCache: Sendable {
    /// What makes two queries the same question for the cache: the name without regard to case,
    /// type, class, and the header and EDNS bits that change what the upstream answers (RD, CD,
    /// DO) or how (whether the client speaks EDNS at all).
    public struct Key: Sendable, Hashable {
        var name: [UInt8]
        var type: UInt16
        var `class`: UInt16
        var flags: UInt8

        /// The name's bytes in one piece (an array hashes element by element).
        public func hash(into hasher: inout Hasher) {
            name.withUnsafeBytes { hasher.combine(bytes: $0) }
            hasher.combine(type)
            hasher.combine(`class`)
            hasher.combine(flags)
        }
    }

    struct Entry {
        var bytes: [UInt8]
        var questionEnd: Int
        /// The TTL fields to count down and the value each had when stored.
        var ttls: [(offset: Int, ttl: UInt32)]
        var storedAt: Int64
        var expiresAt: Int64
        var generation: UInt64
    }

    public static let maximumTTL: UInt32 = 86_400
    public let maximumEntries: Int
    public let maximumBytes: Int

    private var entries: [Key: Entry] = [:]
    /// Keys in the order they were stored, for eviction; an element whose generation no longer
    /// matches its entry's was replaced or removed since.
    private var order: [(key: Key, generation: UInt64)] = []
    private var orderStart = 0
    private var generation: UInt64 = 0
    public private(set) var bytes = 0

    /// 4,096 answers and 1 MiB per network: a few hundred distinct names is what a network of
    /// guests asks for; unbound's whole message cache defaults to 4 MB.
    public init(maximumEntries: Int = 4096, maximumBytes: Int = 1 << 20) {
        self.maximumEntries = maximumEntries
        self.maximumBytes = maximumBytes
    }

    public var count: Int { entries.count }

    /// The key of a query, or nil when it cannot be answered from the cache (not exactly one
    /// question, not a standard query).
    public static func key(for query: DNSMessage) -> Key? {
        let header = query.header
        guard query.questions.count == 1, header.opcode == .query, !header.isResponse else { return nil }
        let question = query.questions[0]
        var name: [UInt8] = []
        for label in question.name.labels {
            name.append(UInt8(label.count))
            name.append(contentsOf: label.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
        }
        var flags: UInt8 = 0
        if header.recursionDesired { flags |= 1 }
        if header.checkingDisabled { flags |= 2 }
        if let edns = query.edns {
            flags |= 4
            if edns.dnssecOK { flags |= 8 }
        }
        return Key(name: name, type: question.type.rawValue, class: question.class.rawValue, flags: flags)
    }

    /// How long `reply` may be kept, by the rules above; nil when it may not.
    public static func lifetime(of reply: DNSMessage) -> UInt32? {
        guard reply.header.isResponse, !reply.header.isTruncated else { return nil }
        let ttl: UInt32?
        switch reply.responseCode {
        case .noError where !reply.answers.isEmpty:
            ttl = (reply.answers + reply.authority).filter { $0.type != .opt }.map(\.effectiveTTL).min()
        case .noError, .nxDomain:
            ttl = reply.authority.compactMap { record -> UInt32? in
                guard case .soa(let soa) = record.data else { return nil }
                return min(record.effectiveTTL, soa.minimum)
            }.min()
        default:
            ttl = nil
        }
        guard let ttl, ttl > 0 else { return nil }
        return min(ttl, maximumTTL)
    }

    /// Keeps `bytes`, the upstream's reply to the question `key`, when the rules allow.
    public mutating func store(_ bytes: [UInt8], for key: Key, now: Int64) {
        guard bytes.count <= maximumBytes / 4, let reply = try? DNSMessage.parse(bytes), let lifetime = Self.lifetime(of: reply),
              let layout = try? DNSMessage.layout(bytes) else { return }
        let records = reply.answers + reply.authority + reply.additional
        guard records.count == layout.ttlOffsets.count else { return }
        var ttls: [(offset: Int, ttl: UInt32)] = []
        // A negative answer's SOA says how long the answer lives, not its own TTL (RFC 2308 §5).
        let negative = reply.answers.isEmpty
        for (record, offset) in zip(records, layout.ttlOffsets) where record.type != .opt {
            ttls.append((offset, negative ? min(record.effectiveTTL, lifetime) : record.effectiveTTL))
        }
        remove(key)
        evict(toFit: bytes.count, now: now)
        generation += 1
        entries[key] = Entry(bytes: bytes, questionEnd: layout.questionEnd, ttls: ttls, storedAt: now,
                             expiresAt: now + Int64(lifetime), generation: generation)
        order.append((key, generation))
        self.bytes += bytes.count
    }

    /// The kept answer to the query whose bytes are `query`, as the client must receive it, or
    /// nil. `maximumSize` is what the client can take over its transport.
    public mutating func answer(_ key: Key, query: [UInt8], maximumSize: Int, now: Int64) -> [UInt8]? {
        query.withUnsafeBytes { raw in
            answer(key, query: raw, maximumSize: maximumSize, now: now, allocator: ByteBufferAllocator())
                .map { Array($0.readableBytesView) }
        }
    }

    /// The same, written straight into a buffer from `allocator` (a channel's), which is what
    /// goes out: one copy of the kept bytes, patched in place.
    public mutating func answer(_ key: Key, query: UnsafeRawBufferPointer, maximumSize: Int, now: Int64,
                                allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard let entry = entries[key] else { return nil }
        guard now < entry.expiresAt else {
            remove(key)
            return nil
        }
        // The client's question must occupy exactly the bytes the kept one does (same name, so
        // same length unless the client compressed it, which nobody does in a question).
        guard entry.bytes.count <= maximumSize, query.count >= entry.questionEnd else { return nil }
        var reply = allocator.buffer(capacity: entry.bytes.count)
        reply.writeBytes(entry.bytes)
        // The client's ID and question, as it sent them.
        reply.setBytes(UnsafeRawBufferPointer(rebasing: query[0..<2]), at: 0)
        reply.setBytes(UnsafeRawBufferPointer(rebasing: query[DNSHeader.length..<entry.questionEnd]), at: DNSHeader.length)
        let elapsed = UInt32(clamping: now - entry.storedAt)
        for field in entry.ttls {
            reply.setInteger(field.ttl > elapsed ? field.ttl - elapsed : 0, at: field.offset)
        }
        return reply
    }

    /// Forgets everything (the network's upstream servers changed, or it restarted).
    public mutating func flush() {
        entries = [:]
        order = []
        orderStart = 0
        bytes = 0
    }

    private mutating func remove(_ key: Key) {
        guard let old = entries.removeValue(forKey: key) else { return }
        bytes -= old.bytes.count
    }

    /// Makes room for one more answer of `size` bytes: expired answers first, then the oldest.
    private mutating func evict(toFit size: Int, now: Int64) {
        guard entries.count >= maximumEntries || bytes + size > maximumBytes else { return }
        for (key, entry) in entries where entry.expiresAt <= now { remove(key) }
        while entries.count >= maximumEntries || bytes + size > maximumBytes, orderStart < order.count {
            let oldest = order[orderStart]
            orderStart += 1
            if entries[oldest.key]?.generation == oldest.generation { remove(oldest.key) }
        }
        // The order list drops what it has passed once that is most of it.
        if orderStart > 1024, orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
        if order.count > maximumEntries * 4 {
            order = order[orderStart...].filter { entries[$0.key]?.generation == $0.generation }
            orderStart = 0
        }
    }
}
