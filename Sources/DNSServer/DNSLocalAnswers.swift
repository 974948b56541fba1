import DNSWire
import NIOCore

/// Answers this server gave from its own zone, kept until the zone changes, so a name asked for
/// again is answered by copying bytes rather than deciding and encoding again (which made local
/// names slower than cached forwarded ones). Only answers of at most 512 bytes are kept, so any
/// client can take them; each goes out with the client's ID and question copied in. Confined to
/// the forwarder's loop, like the cache.
struct DNSLocalAnswers {
    struct Entry {
        var bytes: [UInt8]
        var questionEnd: Int
        var generation: UInt64
    }

    static let maximumEntries = 4096
    static let maximumSize = 512
    private var entries: [DNSAnswerCache.Key: Entry] = [:]

    /// The kept answer to the query in `query`, if it was made from the zone as it is now.
    func answer(_ key: DNSAnswerCache.Key, query: UnsafeRawBufferPointer, generation: UInt64,
                allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard let entry = entries[key], entry.generation == generation, query.count >= entry.questionEnd else { return nil }
        var reply = allocator.buffer(capacity: entry.bytes.count)
        reply.writeBytes(entry.bytes)
        reply.setBytes(UnsafeRawBufferPointer(rebasing: query[0..<2]), at: 0)
        reply.setBytes(UnsafeRawBufferPointer(rebasing: query[DNSHeader.length..<entry.questionEnd]), at: DNSHeader.length)
        return reply
    }

    /// Keeps `bytes`, the answer to the question `key` made from zone `generation`; `questionEnd`
    /// is where its question section ends (the query's, which it repeats).
    mutating func store(_ bytes: [UInt8], questionEnd: Int, for key: DNSAnswerCache.Key, generation: UInt64) {
        // A truncated answer was cut to one client's size; another may take the whole one.
        guard bytes.count <= Self.maximumSize, bytes.count >= questionEnd, bytes[2] & 0x02 == 0 else { return }
        if entries.count >= Self.maximumEntries {
            // Answers of older zones go first; if all are current, start over.
            entries = entries.filter { $0.value.generation == generation }
            if entries.count >= Self.maximumEntries { entries = [:] }
        }
        entries[key] = Entry(bytes: bytes, questionEnd: questionEnd, generation: generation)
    }
}
