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
    /// Where `patchbay-bridge-helper` asks for TAPs, and who may (see `HelperACL`).
    public var helperSocketPath: String { directory + "/helper.sock" }
    public var helperACLPath: String { directory + "/helper.acl" }
    public var stateDirectory: String { directory + "/state" }
    public var logPath: String { directory + "/patchbayd.log" }

    private let process = Mutex<ChildProcess?>(nil)
    /// Extra patchbayd options, used at every start.
    public let arguments: [String]

    public init(namespace: TestNamespace, arguments: [String] = []) throws {
        self.namespace = namespace
        self.arguments = arguments
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-test-\(namespace.name)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A namespace, a daemon started in it, `body`, then everything removed.
    public static func with<T>(arguments: [String] = [], _ body: (DaemonHarness) async throws -> T) async throws -> T {
        try await TestNamespace.with(prefix: "pbd") { namespace in
            let daemon = try DaemonHarness(namespace: namespace, arguments: arguments)
            defer { daemon.tearDown() }
            try daemon.start()
            return try await body(daemon)
        }
    }

    /// Starts patchbayd in the namespace and waits until its API answers. `arguments` replaces
    /// the harness's own extra options for this start.
    public func start(arguments override: [String]? = nil, environment: [String: String]? = nil) throws {
        let child = try ChildProcess("ip", ["netns", "exec", namespace.name, Binaries.patchbayd,
                                            "--socket", socketPath, "--state-dir", stateDirectory, "--log-level", "debug",
                                            "--helper-socket", helperSocketPath, "--helper-acl", helperACLPath]
                                        + (override ?? arguments),
                                     outputPath: logPath, environment: environment)
        process.withLock { $0 = child }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if !child.isRunning {
                throw HarnessError("patchbayd exited with status \(child.exitCode ?? -1) during start-up:\n\(logs)")
            }
            if FileManager.default.fileExists(atPath: socketPath), (try? cli(["net-list", "--all"]))?.succeeded == true { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessError("patchbayd did not answer within 30 s:\n\(logs)")
    }

    /// Stops the daemon with `signal` and returns how it ended: its exit code, or 128 + the
    /// signal that killed it, as a shell reports it.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM) -> Int32? {
        guard let child = process.withLock({ p -> ChildProcess? in defer { p = nil }; return p }) else { return nil }
        child.signal(signal)
        if child.wait(seconds: 30) == nil {
            child.signal(SIGKILL)
            child.wait(seconds: 30)
        }
        return child.exitCode
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
