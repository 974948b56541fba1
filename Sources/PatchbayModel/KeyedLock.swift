import Synchronization

/// Mutual exclusion by name, across suspension points: an operation on a network holds the
/// network's lock from its first read of the store to its last write, whatever it awaits in
/// between. (An actor does not give that: it is reentrant at every `await`, which is how a
/// `net-define` arriving during a `net-start`'s DHCP start used to be overwritten.) Waiters are
/// served in the order they came.
public final class KeyedLock: Sendable {
    private let waiters = Mutex<[String: [CheckedContinuation<Void, Never>]]>([:])

    public init() {}

    /// Runs `body` holding every lock in `keys`, taken in the order given (callers name a global
    /// lock before a network's, so two operations never wait on each other's).
    public func withLocks<T, E: Error>(_ keys: [String], _ body: () async throws(E) -> T) async throws(E) -> T {
        for key in keys { await acquire(key) }
        defer { for key in keys.reversed() { release(key) } }
        return try await body()
    }

    public func withLock<T, E: Error>(_ key: String, _ body: () async throws(E) -> T) async throws(E) -> T {
        try await withLocks([key], body)
    }

    private func acquire(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = waiters.withLock { table -> Bool in
                if table[key] == nil {
                    table[key] = []
                    return true
                }
                table[key]?.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    /// Hands the lock to the next waiter, or frees it.
    private func release(_ key: String) {
        let next = waiters.withLock { table -> CheckedContinuation<Void, Never>? in
            guard var queue = table[key] else { return nil }
            if queue.isEmpty {
                table[key] = nil
                return nil
            }
            let first = queue.removeFirst()
            table[key] = queue
            return first
        }
        next?.resume()
    }

    /// Whether anyone holds `key` (for tests).
    public func isHeld(_ key: String) -> Bool { waiters.withLock { $0[key] != nil } }
}
