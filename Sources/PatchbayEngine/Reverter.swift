import Logging
import PatchbayModel

/// Collects the undo action of every completed step, so that a failure midway runs them in
/// reverse and leaves nothing behind: libvirt's bridge_driver start/undo discipline, and Incus'
/// revert.Reverter. An undo that fails is logged and the rest still run.
struct Reverter {
    private var undos: [(label: String, action: @Sendable () async throws(PatchbayError) -> Void)] = []

    mutating func add(_ label: String, _ action: @escaping @Sendable () async throws(PatchbayError) -> Void) {
        undos.append((label, action))
    }

    /// Runs every registered undo, newest first.
    func revert(logger: Logger) async {
        for undo in undos.reversed() {
            do { try await undo.action() } catch {
                logger.warning("undo failed", metadata: ["step": "\(undo.label)", "error": "\(error)"])
            }
        }
    }

    var steps: [String] { undos.map(\.label) }
}
