/// `GET /v1/events` without `follow`: the held events after the cursor.
public struct EventList: Sendable, Hashable, Codable {
    public var events: [PatchbayEvent]
    /// Events after the cursor that are no longer held.
    public var missed: UInt64
    /// The cursor to go on from (`since=`).
    public var cursor: UInt64

    public init(events: [PatchbayEvent], missed: UInt64, cursor: UInt64) {
        self.events = events
        self.missed = missed
        self.cursor = cursor
    }
}

/// The "events dropped" marker of a stream: the reader fell further behind than the daemon
/// holds, and `missed` events are gone; the stream goes on from `cursor`.
public struct EventsDropped: Sendable, Hashable, Codable {
    public var missed: UInt64
    public var cursor: UInt64

    public init(missed: UInt64, cursor: UInt64) {
        self.missed = missed
        self.cursor = cursor
    }
}
