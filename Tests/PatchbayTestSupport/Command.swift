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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try resolve(executable))
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Read both pipes before waiting so a chatty child cannot fill a pipe and stall.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
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
        for dir in path.split(separator: ":") + ["/usr/sbin", "/sbin"] {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw CommandFailure(command: [name], result: CommandResult(status: 127, stdout: "", stderr: "\(name) not found in PATH"))
    }
}
