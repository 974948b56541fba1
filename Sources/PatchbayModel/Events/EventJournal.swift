/// The recent events, bounded: the one buffer every reader reads from. A reader keeps only its
/// cursor (the last id it took), so a slow reader costs the daemon nothing; one that falls more
/// than `capacity` events behind is told how many it missed instead of stalling the writers.
public struct EventJournal: Sendable {
    public let capacity: Int
    /// A ring: `storage[(start + i) % capacity]` is the i-th oldest held event.
    private var storage: [PatchbayEvent] = []
    private var start = 0
    /// The id of the newest event ever appended (0 before the first).
    public private(set) var lastID: UInt64

    /// `restoring` is what the store kept, oldest first; ids go on from its newest.
    public init(capacity: Int, restoring: [PatchbayEvent] = []) {
        self.capacity = max(1, capacity)
        // Ids are read back by arithmetic (`after`), so only the newest run without a gap is kept:
        // a row the store could not decode, or a lost flush, leaves a hole in what it restores.
        var kept = Array(restoring.sorted { $0.id < $1.id }.suffix(self.capacity))
        if let gap = kept.indices.dropFirst().last(where: { kept[$0].id != kept[$0 - 1].id + 1 }) { kept.removeFirst(gap) }
        storage = kept
        storage.reserveCapacity(self.capacity)
        lastID = restoring.map(\.id).max() ?? 0
    }

    public var count: Int { storage.count }
    /// The oldest id still held; nil when empty.
    public var firstID: UInt64? { storage.isEmpty ? nil : storage[start].id }

    /// Gives the event the next id and the time, keeps it (dropping the oldest when full) and
    /// returns it as kept.
    @discardableResult
    public mutating func append(_ event: PatchbayEvent, time: Int64) -> PatchbayEvent {
        var kept = event
        lastID += 1
        kept.id = lastID
        kept.time = time
        if storage.count < capacity {
            storage.append(kept)
        } else {
            storage[start] = kept
            start = (start + 1) % capacity
        }
        return kept
    }

    /// What a reader whose cursor is `cursor` has not seen, up to `limit` events, oldest first,
    /// those that `filter` passes; `missed` counts the events after the cursor that are no
    /// longer held (they count whatever the filter, since the journal no longer knows them).
    /// `next` is the cursor to read on from: past every event looked at, matched or not.
    public func after(_ cursor: UInt64, matching filter: EventFilter = EventFilter(), limit: Int = .max) -> (missed: UInt64, events: [PatchbayEvent], next: UInt64) {
        // A cursor from beyond the newest id (the state directory was reset) goes on from now.
        guard let first = firstID, cursor < lastID else { return (0, [], min(cursor, lastID)) }
        let missed = cursor + 1 < first ? first - cursor - 1 : 0
        // Ids are consecutive within the ring, so the first unseen one is found by arithmetic.
        let skip = cursor + 1 <= first ? 0 : Int(min(cursor + 1 - first, UInt64(storage.count)))
        var events: [PatchbayEvent] = []
        var next = max(cursor, first - 1)
        for offset in skip..<storage.count {
            let event = storage[(start + offset) % capacity]
            next = event.id
            if filter.matches(event) {
                events.append(event)
                if events.count >= limit { break }
            }
        }
        return (missed, events, next)
    }

    /// Every held event, oldest first.
    public var all: [PatchbayEvent] { (0..<storage.count).map { storage[(start + $0) % capacity] } }
}
