import Foundation
import Synchronization

/// A `patchbayd` of a test's own: it runs inside the test's network namespace with a temporary
/// state directory and socket, and `DaemonHarness.with` removes all of it, daemon, namespace and
/// files, however the test ends.
///
/// Writing a kernel-facing test:
/// ```swift
/// @Test func something() async throws {
///     try await DaemonHarness.with { daemon in
///         try daemon.cli(["net-define", path]).expectSuccess()
///         let link = try daemon.namespace.link("virbr2")   // read back with `ip -j`
///     }
/// }
/// ```
public final class DaemonHarness: Sendable {
    public let namespace: TestNamespace
    public let directory: String
    public var socketPath: String { directory + "/patchbay.sock" }
    public var stateDirectory: String { directory + "/state" }
    public var logPath: String { directory + "/patchbayd.log" }

    private let process = Mutex<Process?>(nil)

    public init(namespace: TestNamespace) throws {
        self.namespace = namespace
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-test-\(namespace.name)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A namespace, a daemon started in it, `body`, then everything removed.
    public static func with<T>(_ body: (DaemonHarness) async throws -> T) async throws -> T {
        try await TestNamespace.with(prefix: "pbd") { namespace in
            let daemon = try DaemonHarness(namespace: namespace)
            defer { daemon.tearDown() }
            try daemon.start()
            return try await body(daemon)
        }
    }

    /// Starts patchbayd in the namespace and waits until its API answers.
    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Command.resolve("ip"))
        process.arguments = ["netns", "exec", namespace.name, Binaries.patchbayd,
                             "--socket", socketPath, "--state-dir", stateDirectory, "--log-level", "debug"]
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process.withLock { $0 = process }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !process.isRunning {
                throw HarnessError("patchbayd exited with status \(process.terminationStatus) during start-up:\n\(logs)")
            }
            if FileManager.default.fileExists(atPath: socketPath), (try? cli(["net-list", "--all"]))?.succeeded == true { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("patchbayd did not answer within 30 s:\n\(logs)")
    }

    /// Stops the daemon with `signal` and returns its exit status (SIGKILL gives 9 + 128 style
    /// statuses as Foundation reports them: the signal number, with reason .uncaughtSignal).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> (status: Int32, reason: Process.TerminationReason)? {
        guard let process = process.withLock({ p -> Process? in defer { p = nil }; return p }) else { return nil }
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason)
    }

    /// Runs the CLI against this daemon, finding it through $PATCHBAY_SOCKET as a user would.
    public func cli(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> CommandResult {
        try Command.run(Binaries.patchbay, arguments,
                        environment: environment.merging(["PATCHBAY_SOCKET": socketPath]) { $1 }, input: input)
    }

    public var logs: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func tearDown() {
        stop(signal: SIGKILL)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
