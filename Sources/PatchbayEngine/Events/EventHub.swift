import Logging
import PatchbayModel
import PatchbayStore
import Synchronization

/// The daemon's one event stream. Anything may `publish` from any thread without waiting: the
/// event goes into the bounded journal and wakes the readers and the store writer, none of which
/// can hold the publisher up. Readers pull from the journal by cursor (`EventReader`), so a
/// reader that is slow to take its events only risks missing the oldest, and is told so.
public final class EventHub: Sendable {
    struct State {
        var journal: EventJournal
        /// Readers waiting for an event after their cursor, woken on publish.
        var waiters: [Int: AsyncStream<Void>.Continuation] = [:]
        var nextWaiter = 0
        /// The newest id the store has.
        var storedID: UInt64
        var writerWake: AsyncStream<Void>.Continuation?
        /// Set by `finishPersisting`, which may come before `persist` has begun.
        var persistingFinished = false
        var published: [EventType: UInt64] = [:]
    }

    private let state: Mutex<State>
    private let store: (any EventStore)?
    private let clock: @Sendable () -> Int64
    private let logger: Logger

    /// `clock` gives milliseconds since 1970 (the engine reads no clock of its own).
    public init(capacity: Int = 10_000, restoring: [PatchbayEvent] = [], store: (any EventStore)? = nil,
                clock: @escaping @Sendable () -> Int64 = { 0 }, logger: Logger = Logger(label: "patchbay.events")) {
        let journal = EventJournal(capacity: capacity, restoring: restoring)
        state = Mutex(State(journal: journal, storedID: journal.lastID))
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    public var capacity: Int { state.withLock { $0.journal.capacity } }
    public var lastID: UInt64 { state.withLock { $0.journal.lastID } }

    @discardableResult
    public func publish(_ event: PatchbayEvent) -> PatchbayEvent {
        let time = clock()
        let (kept, waiters, writer) = state.withLock { s in
            let kept = s.journal.append(event, time: time)
            s.published[kept.type, default: 0] += 1
            return (kept, Array(s.waiters.values), s.writerWake)
        }
        for waiter in waiters { waiter.yield() }
        writer?.yield()
        logger.debug("event", metadata: ["type": "\(kept.type.rawValue)", "id": "\(kept.id)", "message": "\(kept.message)"])
        return kept
    }

    /// Events published since start, by type (`patchbay_events_total`).
    public func metricFamilies() -> [MetricFamily] {
        let counts = state.withLock { $0.published }
        return [MetricFamily(name: "patchbay_events_total", help: "Events published since the daemon started, by type.", kind: .counter,
                             samples: counts.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                                 .init(labels: [("type", $0.key.rawValue)], value: Double($0.value))
                             })]
    }

    /// What a reader at `cursor` has not seen (see `EventJournal.after`).
    public func events(after cursor: UInt64, matching filter: EventFilter = EventFilter(), limit: Int = .max)
        -> (missed: UInt64, events: [PatchbayEvent], next: UInt64) {
        state.withLock { $0.journal.after(cursor, matching: filter, limit: limit) }
    }

    /// A reader from `cursor` on (nil: from now). Its `next()` waits for events; it holds only a
    /// cursor and a wake-up, so however slowly it is read the hub buffers nothing for it.
    public func reader(after cursor: UInt64?, filter: EventFilter = EventFilter()) -> EventReader {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (id, start) = state.withLock { s in
            let id = s.nextWaiter
            s.nextWaiter += 1
            s.waiters[id] = continuation
            return (id, cursor ?? s.journal.lastID)
        }
        continuation.yield()
        return EventReader(hub: self, id: id, cursor: start, filter: filter, wake: stream, waker: continuation)
    }

    func removeWaiter(_ id: Int) {
        let continuation = state.withLock { $0.waiters.removeValue(forKey: id) }
        continuation?.finish()
    }

    /// Writes new events to the store as they come, a batch per transaction, until cancelled;
    /// then writes what is left. Run by the daemon on a task of its own.
    public func persist() async {
        guard let store else { return }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let finished = state.withLock { s in
            if !s.persistingFinished { s.writerWake = continuation }
            return s.persistingFinished
        }
        if finished { continuation.finish() } else { continuation.yield() }
        for await _ in stream {
            await flush(to: store)
            if Task.isCancelled { break }
        }
        await flush(to: store)
    }

    /// Stops `persist` after its last write.
    public func finishPersisting() {
        let writer = state.withLock { s -> AsyncStream<Void>.Continuation? in
            defer { s.writerWake = nil }
            s.persistingFinished = true
            return s.writerWake
        }
        writer?.finish()
    }

    private func flush(to store: any EventStore) async {
        let (pending, capacity) = state.withLock { s in
            (s.journal.after(s.storedID).events, s.journal.capacity)
        }
        guard let newest = pending.last?.id else { return }
        do {
            try await store.append(events: pending, keep: capacity)
            state.withLock { $0.storedID = max($0.storedID, newest) }
        } catch {
            // Kept in memory still; the next event tries again.
            logger.warning("cannot store recent events", metadata: ["error": "\(error)"])
        }
    }
}

/// One reader of the hub: `next()` returns what came after its cursor, in batches, waiting when
/// there is nothing yet. A `missed` count above zero means the journal dropped that many before
/// the reader took them: the "events dropped" marker.
public final class EventReader: Sendable {
    public struct Batch: Sendable {
        public var missed: UInt64
        public var events: [PatchbayEvent]
        /// The id to resume from after this batch.
        public var cursor: UInt64
    }

    private let hub: EventHub
    private let id: Int
    private let cursor: Mutex<UInt64>
    private let filter: EventFilter
    private let wake: AsyncStream<Void>
    private let waker: AsyncStream<Void>.Continuation

    init(hub: EventHub, id: Int, cursor: UInt64, filter: EventFilter, wake: AsyncStream<Void>, waker: AsyncStream<Void>.Continuation) {
        self.hub = hub
        self.id = id
        self.cursor = Mutex(cursor)
        self.filter = filter
        self.wake = wake
        self.waker = waker
    }

    deinit { hub.removeWaiter(id) }

    /// The id to resume from: past everything this reader has taken.
    public var position: UInt64 { cursor.withLock { $0 } }

    /// The next non-empty batch (at most `limit` events); an empty one when `timeout` passes
    /// first (a stream's keep-alive); nil once cancelled or closed.
    public func next(limit: Int = 256, timeout: Duration? = nil) async -> Batch? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var timer: Task<Void, Never>?
        defer { timer?.cancel() }
        if let deadline {
            let waker = self.waker
            timer = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                waker.yield()
            }
        }
        var iterator = wake.makeAsyncIterator()
        while !Task.isCancelled {
            let from = cursor.withLock { $0 }
            let (missed, events, next) = hub.events(after: from, matching: filter, limit: limit)
            cursor.withLock { $0 = next }
            if missed > 0 || !events.isEmpty { return Batch(missed: missed, events: events, cursor: next) }
            if let deadline, ContinuousClock.now >= deadline { return Batch(missed: 0, events: [], cursor: next) }
            guard await iterator.next() != nil else { return nil }
        }
        return nil
    }

    public func close() { hub.removeWaiter(id) }
}
