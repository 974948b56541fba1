import Foundation

/// A thread of its own for blocking work: netlink round trips, libnftables transactions, TAP
/// ioctls. The Swift concurrency pool has as many threads as cores (two on the project's
/// machines), so a blocking call made from a task holds back every other task, the loop guard's
/// and the DHCP server's included. Work given to `run` executes here, one job at a time in the
/// order submitted, and the caller's task is suspended (not blocked) until it is done.
public final class IOThread: Sendable {
    private final class Queue: @unchecked Sendable {
        // Guarded by `condition`.
        var jobs: [@Sendable () -> Void] = []
        var stopped = false
        let condition = NSCondition()
    }

    public let name: String
    private let queue = Queue()

    public init(name: String) {
        self.name = name
        let queue = self.queue
        let thread = Thread {
            while true {
                queue.condition.lock()
                while queue.jobs.isEmpty && !queue.stopped { queue.condition.wait() }
                if queue.jobs.isEmpty {
                    queue.condition.unlock()
                    return
                }
                let job = queue.jobs.removeFirst()
                queue.condition.unlock()
                job()
            }
        }
        thread.name = name
        thread.start()
    }

    /// The thread ends once the jobs queued before the last reference went have run.
    deinit {
        queue.condition.lock()
        queue.stopped = true
        queue.condition.signal()
        queue.condition.unlock()
    }

    /// Runs `body` on this thread and returns its result to the waiting task.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            submit {
                do throws(E) { continuation.resume(returning: .success(try body())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Queues `job` without waiting for it.
    public func submit(_ job: @escaping @Sendable () -> Void) {
        queue.condition.lock()
        queue.jobs.append(job)
        queue.condition.signal()
        queue.condition.unlock()
    }
}
