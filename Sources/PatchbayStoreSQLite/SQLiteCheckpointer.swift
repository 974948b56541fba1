import Foundation
import GRDB
import Synchronization

/// Copies the write-ahead log back into the database file from a thread and a connection of its
/// own, so that no commit pays for it.
///
/// SQLite's automatic checkpoint runs inside the commit that fills the log past 1,000 pages: at
/// 5,000 leases a second that was one DHCP commit in a few hundred taking 3-10 ms instead of a
/// quarter of one, and with it the ACKs of everything that waited behind it (BENCHMARKS.md). A
/// PASSIVE checkpoint on another connection runs beside the writer without blocking it (SQLite,
/// "Write-Ahead Logging" §3 and `sqlite3_wal_checkpoint_v2`); the writer keeps automatic
/// checkpoints only as a backstop at `backstopPages`, should this thread fall behind.
final class SQLiteCheckpointer: Sendable {
    static let backstopPages = 16_384
    private let queue: DatabaseQueue
    private let stopped = Atomic(false)
    /// Signalled by `stop`, so the thread's wait between checkpoints ends at once.
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled by the thread as it ends: `stop` returns once the thread no longer uses the
    /// database, so a store reopened right after finds no connection of the old one at work.
    private let finished = DispatchSemaphore(value: 0)

    init(path: String) throws {
        var configuration = Configuration()
        configuration.label = "patchbay-checkpoint"
        // Opening reads the schema; a connection still closing (a store just released, whose
        // checkpoint thread has not seen its stop yet) may hold a lock for a moment.
        configuration.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Checkpoints every `interval` until `stop`.
    func start(interval: TimeInterval = 0.1) {
        let thread = Thread { [self] in
            defer { finished.signal() }
            while !stopped.load(ordering: .relaxed) {
                _ = wake.wait(timeout: .now() + interval)
                if stopped.load(ordering: .relaxed) { break }
                // A checkpoint that cannot finish now (a reader still needs old pages) is simply
                // taken up again next time.
                try? queue.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            }
        }
        started.store(true, ordering: .relaxed)
        thread.name = "patchbay-checkpoint"
        thread.start()
    }

    private let started = Atomic(false)

    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        wake.signal()
        if started.load(ordering: .relaxed) { _ = finished.wait(timeout: .now() + 5) }
    }
}
