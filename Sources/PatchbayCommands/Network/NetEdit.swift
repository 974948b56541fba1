import ArgumentParser
import Foundation
import PatchbayModel

/// `net-edit`: the persistent definition in $VISUAL or $EDITOR, defined again on save. An edit
/// that does not validate changes nothing; the edited copy is kept so the work is not lost.
struct NetEdit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-edit", abstract: "Edit a network's persistent definition in $VISUAL or $EDITOR (default vi).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String

    func run() async throws {
        let client = connection.client
        let original = try await client.networkXML(network, inactive: true)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-edit-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("\(network.replacingOccurrences(of: "/", with: "_")).xml")
        try original.write(to: file, atomically: true, encoding: .utf8)

        let environment = ProcessInfo.processInfo.environment
        let editor = environment["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        let status = try runEditor(editor, file: file.path)
        guard status == 0 else {
            throw PatchbayError(.operationInvalid, "editor '\(editor)' exited with status \(status); network \(network) is unchanged (your copy: \(file.path))")
        }
        let edited = try String(contentsOf: file, encoding: .utf8)
        if edited == original {
            try? FileManager.default.removeItem(at: directory)
            print("Network \(network) XML configuration not changed.\n")
            return
        }
        do {
            let summary = try await client.defineNetwork(xml: edited)
            try? FileManager.default.removeItem(at: directory)
            if summary.name != network {
                print("Network \(summary.name) defined from the edited definition of \(network)\n")
            } else {
                print("Network \(network) XML configuration edited.\n")
            }
        } catch {
            throw PatchbayError(error.code, "\(error.message); network \(network) keeps its previous definition (your edited copy: \(file.path))",
                                cause: error.cause)
        }
    }

    /// Runs the editor through the shell, as virsh does, so "$EDITOR" may carry arguments.
    private func runEditor(_ editor: String, file: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "sh", file]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
