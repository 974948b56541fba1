import Foundation

/// The outcome of a command a test ran.
public struct CommandResult: Sendable, CustomStringConvertible {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public var succeeded: Bool { status == 0 }

    public var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// A command failed where the test needed it to succeed (setting up a namespace, say).
public struct CommandFailure: Error, CustomStringConvertible {
    public var command: [String]
    public var result: CommandResult
    public var description: String { "\(command.joined(separator: " ")) failed: \(result)" }
}

/// Runs programs for tests: `ip` to build and inspect namespaces, the CLI under test, peers.
public enum Command {
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: String? = nil) throws -> CommandResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-cmd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let inputPath = scratch + "/in", outputPath = scratch + "/out", errorPath = scratch + "/err"
        try Data((input ?? "").utf8).write(to: URL(fileURLWithPath: inputPath))
        let child = try ChildProcess(executable, arguments, outputPath: outputPath, errorPath: errorPath,
                                     inputPath: inputPath, environment: environment)
        child.wait(seconds: .infinity)
        return CommandResult(status: child.exitCode ?? -1,
                             stdout: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }

    /// Runs and throws unless the command exits 0.
    @discardableResult
    public static func check(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        let result = try run(executable, arguments, environment: environment)
        guard result.succeeded else { throw CommandFailure(command: [executable] + arguments, result: result) }
        return result
    }

    static func resolve(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        // map(String.init): concatenated with the literals, the substrings would otherwise be
        // inferred as character arrays and interpolate as "[\"/\", \"u\", ...]".
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"] {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CommandFailure(command: [name], result: CommandResult(status: 127, stdout: "", stderr: "\(name) not found in PATH"))
    }
}
