import ArgumentParser
import PatchbayClient
import PatchbayModel

/// `patchbay tune [--check|--apply|--undo]`: the daemon reads and writes (it is root, and its
/// network namespace is the one tuned); this command asks and prints.
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Check the host's tuning for virtual networking; apply the advised sysctls or undo them.",
        discussion: """
            --check (the default) lists each check with its current and recommended value and why. \
            --apply writes only the advised sysctls (socket buffer limits, TCP autotuning maxima, the \
            backlog) in the daemon's network namespace, recording the previous values in the state \
            directory; --undo writes them back. Offloads, rings, queues, multi-queue TAPs and \
            vhost-net are advice only: the recommendation says what to change where.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Only check (the default).") var check = false
    @Flag(help: "Apply the advised sysctls, recording the previous values.") var apply = false
    @Flag(help: "Restore the values recorded by --apply.") var undo = false
    @Flag(help: "Print JSON: the checks and the changes made.") var json = false

    func validate() throws {
        if [check, apply, undo].filter({ $0 }).count > 1 { throw ValidationError("give one of --check, --apply and --undo") }
    }

    func run() async throws {
        let report = try await connection.client.tune(apply ? .apply : undo ? .undo : .check)
        if json {
            print(try JSONOutput.render(report))
            return
        }
        var table = VirshTable("Check", "Status", "Current", "Recommended", "Why")
        for check in report.checks {
            table.append(check.name, check.status.rawValue + (check.applicable ? " (--apply)" : ""), check.current, check.recommended, check.why)
        }
        print(table.render(), terminator: "")
        for change in report.changes {
            if let failure = change.failure {
                print("not changed: \(change.key) (\(change.previous)): \(failure)")
            } else {
                print("\(report.action == .undo ? "restored" : "set"): \(change.key) = \(change.value) (was \(change.previous))")
            }
        }
        if report.action == .apply, report.changes.contains(where: { $0.failure == nil }) {
            print("previous values recorded in \(report.undoRecord); patchbay tune --undo restores them")
        }
    }
}
