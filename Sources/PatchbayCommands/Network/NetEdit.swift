import ArgumentParser
import FoundationEssentials
import Glibc
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
        guard let edit = try Self.edit(original, fileName: String(network.map { $0 == "/" ? "_" : $0 }), subject: "network \(network)")
        else {
            print("Network \(network) XML configuration not changed.\n")
            return
        }
        do {
            let summary = try await client.defineNetwork(xml: edit.text)
            edit.discard()
            if summary.name != network {
                print("Network \(summary.name) defined from the edited definition of \(network)\n")
            } else {
                print("Network \(network) XML configuration edited.\n")
            }
        } catch {
            throw PatchbayError(error.code, "\(error.message); network \(network) keeps its previous definition (your edited copy: \(edit.file.path))",
                                cause: error.cause)
        }
    }

    /// An edited copy: its text, and where it is kept until the definition takes it.
    struct EditedCopy {
        let text: String
        let file: URL
        let directory: URL

        func discard() { try? FileManager.default.removeItem(at: directory) }
    }

    /// The edit net-edit and nwfilter-edit share: `original` in a private file, $VISUAL or
    /// $EDITOR (default vi) on it, and the edited text back; nil (and the copy gone) when
    /// nothing changed. A failing editor changes nothing and keeps the copy.
    static func edit(_ original: String, fileName: String, subject: String) throws -> EditedCopy? {
        let directory = try privateDirectory()
        let file = directory.appendingPathComponent("\(fileName).xml")
        try createPrivateFile(file.path, contents: original)
        let environment = ProcessInfo.processInfo.environment
        let editor = environment["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        // Through the shell, as virsh does, so "$EDITOR" may carry arguments.
        let status = try POSIXIO.runShell("\(editor) \"$1\"", arguments: ["sh", file.path])
        guard status == 0 else {
            throw PatchbayError(.operationInvalid, "editor '\(editor)' exited with status \(status); \(subject) is unchanged (your copy: \(file.path))")
        }
        let edited = try String(contentsOf: file, encoding: .utf8)
        let copy = EditedCopy(text: edited, file: file, directory: directory)
        if edited == original {
            copy.discard()
            return nil
        }
        return copy
    }

    /// A directory only this user can enter, made fresh with an unpredictable name (mkdtemp), so
    /// nobody can swap the definition between the editor and the define, as they could in a
    /// predictable directory under /tmp that they had made first.
    static func privateDirectory() throws -> URL {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array("\(base)/patchbay-edit-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw PatchbayError(.storage, "cannot create a private directory for the edit in \(base)", cause: String(cString: strerror(errno)))
        }
        return URL(fileURLWithPath: String(cString: made))
    }

    /// Created, never opened if it exists (O_EXCL), mode 0600.
    static func createPrivateFile(_ path: String, contents: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PatchbayError(.storage, "cannot create \(path)", cause: String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw PatchbayError(.storage, "cannot write \(path)", cause: String(cString: strerror(errno))) }
    }
}
