import PatchbayModel

/// Where the recent events are kept, so a restart keeps the ids going on and a client that
/// reconnects after it still gets what it missed. Bounded: the store holds the newest `keep`.
public protocol EventStore: Sendable {
    /// Appends `events` (ids given, growing) and drops all but the newest `keep`, in one
    /// transaction.
    func append(events: [PatchbayEvent], keep: Int) async throws(PatchbayError)
    /// The newest `limit` events, oldest first.
    func recentEvents(limit: Int) async throws(PatchbayError) -> [PatchbayEvent]
}
