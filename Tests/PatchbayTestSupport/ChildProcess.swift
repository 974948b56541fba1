import Foundation
import Synchronization

/// A long-running program a test starts and signals: the daemon, a DHCP client in a guest.
///
/// Foundation's `Process` hands the child the signal mask of whichever thread spawned it, and the
/// test runner's worker threads block most signals: a child started that way ignores SIGTERM and
/// SIGUSR1 for good (udhcpc would never renew, nor exit). This spawns with an empty mask and
/// default dispositions, as a shell would.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` (a path, or a name looked up in PATH) with stdout appended to
    /// `outputPath`, stderr to `errorPath` (or to the same file when nil), both discarded when no
    /// path is given, and stdin read from `inputPath` or /dev/null. Files, not pipes: a child that
    /// daemonizes and keeps its descriptors (dhclient) cannot stall the test that started it.
    public init(_ executable: String, _ arguments: [String], outputPath: String? = nil, errorPath: String? = nil,
                inputPath: String? = nil, environment: [String: String]? = nil) throws {
        let path = executable.hasPrefix("/") ? executable : try Command.resolve(executable)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let merged = ProcessInfo.processInfo.environment.merging(environment ?? [:]) { $1 }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw HarnessError("cannot start \(path): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    public func signal(_ signal: Int32) { if isRunning { kill(pid, signal) } }

    /// Whether the child still runs; reaps it (once) when it has ended.
    public var isRunning: Bool {
        status.withLock { status in
            if status != nil { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { status = raw; return false }
            return true
        }
    }

    /// Waits up to `seconds` for the child to end; returns its wait status, or nil if it still runs.
    @discardableResult
    public func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        var pause: useconds_t = 500
        while isRunning {
            if Date() >= deadline { return nil }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        return status.withLock { $0 }
    }

    /// The exit code if the child exited, or 128 + the signal that ended it.
    public var exitCode: Int32? {
        guard let raw = status.withLock({ $0 }) else { return nil }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// SIGTERM, then SIGKILL if it has not ended within `grace` seconds; always reaps it.
    public func stop(grace: Double = 5) {
        signal(SIGTERM)
        if wait(seconds: grace) == nil {
            signal(SIGKILL)
            wait(seconds: 30)
        }
    }
}
