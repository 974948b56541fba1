import Foundation
import Logging
import NFTables
import PatchbayIO
import PatchbayModel
import Synchronization

/// Keeps Patchbay's nftables tables, and the narrow accept rules it adds to other programs'
/// forward chains (see `ForeignForwardChain`), equal to the desired `FirewallState`. Every change
/// is one libnftables transaction, run on a thread of its own.
///
/// What was applied is remembered in a state file (the desired command text and the kernel's
/// listing of both tables right after), so that a restarted daemon re-applies only when the
/// kernel or the desired rules differ.
public final class NFTablesFirewall: FirewallApplying {
    struct SavedState: Codable, Sendable {
        var desired: String = ""
        var listing: String = ""
    }

    private let context: NFTablesContext
    private let thread = IOThread(name: "patchbay-nftables")
    private let statePath: String
    private let coexistence: Bool
    private let logger: Logger
    /// What the kernel holds as far as this daemon knows (touched on `thread` only).
    private let applied = Mutex<FirewallState>(.empty)
    private let saved: Mutex<SavedState>

    /// `coexistence`: whether to add accept rules to other programs' forward chains that would
    /// drop a network's traffic (on by default; `patchbayd --no-firewall-coexistence`).
    public init(statePath: String, coexistence: Bool = true, logger: Logger) throws(NFTablesError) {
        context = try NFTablesContext()
        self.statePath = statePath
        self.coexistence = coexistence
        self.logger = logger
        var loaded = SavedState()
        if let data = FileManager.default.contents(atPath: statePath), let decoded = try? JSONDecoder().decode(SavedState.self, from: data) {
            loaded = decoded
        }
        saved = Mutex(loaded)
    }

    public func apply(_ state: FirewallState) async throws(PatchbayError) {
        try await thread.run { () throws(PatchbayError) in try self.applyNow(state, rebuild: false) }
    }

    public func restore(_ state: FirewallState) async throws(PatchbayError) -> Bool {
        try await thread.run { () throws(PatchbayError) -> Bool in
            let desired = PatchbayTables.rebuild(state).joined(separator: "\n")
            let last = self.saved.withLock { $0 }
            let foreign = try self.foreignPlan(state).plan
            let listing = self.currentListing()
            if last.desired == desired && last.listing == listing && foreign.commands.isEmpty {
                self.applied.withLock { $0 = state }
                return false
            }
            if state.networks.isEmpty && listing.isEmpty && foreign.commands.isEmpty {
                self.applied.withLock { $0 = state }
                return false
            }
            try self.applyNow(state, rebuild: true)
            return true
        }
    }

    public func foreignDrops() async -> [DoctorFacts.ForeignDrop] {
        await thread.run { () -> [DoctorFacts.ForeignDrop] in
            let own: Set<String> = [PatchbayTables.filter, PatchbayTables.nat]
            guard let tables = try? self.context.tables() else { return [] }
            var drops: [DoctorFacts.ForeignDrop] = []
            for table in tables where !own.contains(table) && (table.hasPrefix("ip ") || table.hasPrefix("inet ")) {
                guard let json = try? self.context.listJSON("table \(table)") else { continue }
                let found = ForeignTable.read(rulesetJSON: json, ownTables: own)
                for chain in found.droppingChains {
                    let opened = found.taggedRules.filter { $0.chain == chain.target && $0.table == chain.table && $0.family == chain.family }
                    drops.append(DoctorFacts.ForeignDrop(chain: "\(chain.family) \(chain.table) \(chain.chain)", reason: chain.reason,
                                                         openedFor: Set(opened.map(\.bridge))))
                }
            }
            return drops
        }
    }

    /// Writes 1 to the namespace's forwarding switches, as libvirt does when a nat or route
    /// network starts (it never turns them off again: other software may rely on them).
    public func enableForwarding(ipv6: Bool) async throws(PatchbayError) {
        try await thread.run { () throws(PatchbayError) in
            var paths = ["/proc/sys/net/ipv4/ip_forward"]
            if ipv6 { paths.append("/proc/sys/net/ipv6/conf/all/forwarding") }
            for path in paths {
                do {
                    try "1\n".write(toFile: path, atomically: false, encoding: .utf8)
                } catch {
                    throw PatchbayError(.kernel, "cannot enable IP forwarding (\(path))", cause: "\(error)")
                }
            }
        }
    }

    /// One transaction from what was applied to `state` (or a rebuild from scratch when asked, or
    /// when the incremental one is refused because the kernel is not what this daemon thinks),
    /// with the coexistence rules in the same transaction.
    private func applyNow(_ state: FirewallState, rebuild: Bool) throws(PatchbayError) {
        var (foreign, ownTablesPresent) = try foreignPlan(state)
        let old = applied.withLock { $0 }
        // An incremental transaction assumes the kernel holds what was applied last; with either
        // table gone (`nft flush ruleset`), only a rebuild puts every network back.
        if !rebuild && (old.networks.isEmpty || ownTablesPresent) {
            do {
                try context.run(PatchbayTables.transaction(from: old, to: state) + foreign.commands)
                finish(state, foreign.opened)
                return
            } catch {
                logger.warning("incremental firewall update failed; rebuilding Patchbay's tables", metadata: ["error": "\(error)"])
                // Another program may have changed its table meanwhile: read it again.
                foreign = try foreignPlan(state).plan
            }
        }
        do {
            try context.run(PatchbayTables.rebuild(state) + foreign.commands)
        } catch {
            // Nothing of the transaction took effect: the previous rules stay in force.
            throw PatchbayError(.kernel, "cannot apply Patchbay's firewall rules; the previous rules stay in force",
                                cause: error.description)
        }
        finish(state, foreign.opened)
    }

    private func finish(_ state: FirewallState, _ opened: [(ForeignForwardChain, String)]) {
        applied.withLock { $0 = state }
        // The state file is written by the next job on this thread, after the caller has its
        // answer: listing both tables and writing the file was half of a network start's
        // firewall time. Jobs run in order, so the next transaction still starts from it, and a
        // daemon killed before it finds the previous file and re-applies (see `writeState`).
        thread.submit { self.writeState(state) }
        for (chain, bridge) in opened {
            let network = state.coexistence.first { $0.value == bridge }?.key ?? bridge
            logger.warning("""
                table \(chain.family) \(chain.table) chain \(chain.chain) would drop the forwarded traffic of network \
                \(network) (\(chain.reason)); added accept rules for bridge \(bridge) to chain \(chain.target), \
                removed when the network stops (patchbayd --no-firewall-coexistence turns this off)
                """)
        }
    }

    /// Other programs' tables that can hold a forward base chain: read alone, so the cost of a
    /// network's start does not grow with Patchbay's own rules.
    /// What to change in other programs' tables, and whether both of Patchbay's own tables exist.
    private func foreignPlan(_ state: FirewallState) throws(PatchbayError)
        -> (plan: (commands: [String], opened: [(ForeignForwardChain, String)]), ownTablesPresent: Bool) {
        let own: Set<String> = [PatchbayTables.filter, PatchbayTables.nat]
        var found = ForeignTable()
        var present = false
        do {
            let tables = try context.tables()
            present = own.isSubset(of: Set(tables))
            for table in tables where !own.contains(table) && (table.hasPrefix("ip ") || table.hasPrefix("inet ")) {
                let one = ForeignTable.read(rulesetJSON: try context.listJSON("table \(table)"), ownTables: own)
                found.droppingChains += one.droppingChains
                found.taggedRules += one.taggedRules
            }
        } catch {
            throw PatchbayError(.kernel, "cannot read the other nftables tables", cause: error.description)
        }
        let bridges = coexistence ? Set(state.coexistence.values) : []
        return (found.plan(bridges: bridges), present)
    }

    private func currentListing() -> String {
        [PatchbayTables.filter, PatchbayTables.nat].compactMap { context.listTable($0) }.joined(separator: "\n")
    }

    /// Written after every change, on this thread: a daemon killed at any moment finds either the
    /// state of the last transaction or the one before, and re-applies (atomically) when the
    /// kernel's tables do not match.
    private func writeState(_ state: FirewallState) {
        let snapshot = SavedState(desired: PatchbayTables.rebuild(state).joined(separator: "\n"), listing: currentListing())
        saved.withLock { $0 = snapshot }
        do {
            try JSONEncoder().encode(snapshot).write(to: URL(fileURLWithPath: statePath), options: .atomic)
        } catch {
            logger.error("cannot save the firewall state", metadata: ["path": "\(statePath)", "error": "\(error)"])
        }
    }
}
