import Foundation
import Logging
import NWFilter
import PatchbayIO
import PatchbayModel
import Synchronization

/// Keeps `bridge patchbay_nwfilter` and `inet patchbay_nwfilter` equal to the rulesets of every
/// filtered port, one libnftables transaction per change, on a thread of its own.
///
/// What was applied is kept in a state file with the kernel's listing of both tables right
/// after. A restarted daemon whose tables are still as listed changes only the ports whose
/// rules now differ (none, when only the daemon restarted); tables that were flushed or edited
/// behind its back are rebuilt in one transaction, which swaps old for new atomically.
public final class NWFilterFirewall: NWFilterApplying {
    struct SavedState: Codable, Sendable {
        var rulesets: [String: NWFilterPortRuleset] = [:]
        var listing: String = ""
    }

    private let context: NFTablesContext
    private let thread = IOThread(name: "patchbay-nwfilter")
    private let statePath: String
    private let logger: Logger
    /// What the kernel holds as far as this daemon knows (touched on `thread` only).
    private let applied = Mutex<[String: NWFilterPortRuleset]?>(nil)
    /// A write of the state file is scheduled.
    private let stateDue = Mutex(false)

    public init(statePath: String, logger: Logger) throws(NFTablesError) {
        context = try NFTablesContext()
        self.statePath = statePath
        self.logger = logger
    }

    public func update(_ rulesets: [NWFilterPortRuleset], removing devices: [String]) async throws(PatchbayError) {
        try await thread.run { () throws(PatchbayError) in
            guard let old = self.applied.withLock({ $0 }) else {
                throw PatchbayError(.unavailable, "the network filter tables were not restored when patchbayd started (its log says why); restart patchbayd")
            }
            var desired = old
            var commands: [String] = []
            for device in devices {
                if let previous = old[device] { commands += NWFilterTables.remove(previous) }
                desired[device] = nil
            }
            for ruleset in rulesets where old[ruleset.port.device] != ruleset {
                commands += NWFilterTables.apply(ruleset, replacing: old[ruleset.port.device])
                desired[ruleset.port.device] = ruleset
            }
            // Only the named ports are compared and written: the cost does not grow with the others.
            try self.run(commands, then: desired)
        }
    }

    private func run(_ commands: [String], then desired: [String: NWFilterPortRuleset]) throws(PatchbayError) {
        guard !commands.isEmpty else { return }
        do {
            try context.run(commands)
        } catch {
            logger.warning("incremental nwfilter update failed; rebuilding the nwfilter tables", metadata: ["error": "\(error)"])
            try rebuild(desired)
            return
        }
        finish(desired)
    }

    public func restore(_ rulesets: [NWFilterPortRuleset]) async throws(PatchbayError) -> [String] {
        try await thread.run { () throws(PatchbayError) -> [String] in
            try self.restoreNow(Dictionary(rulesets.map { ($0.port.device, $0) }, uniquingKeysWith: { $1 }))
        }
    }

    public func counters(device: String) async throws(PatchbayError) -> [NWFilterRuleStatistics] {
        try await thread.run { () throws(PatchbayError) -> [NWFilterRuleStatistics] in
            guard let ruleset = self.applied.withLock({ $0?[device] }) else { return [] }
            var out: [NWFilterRuleStatistics] = []
            for (table, chains) in [(NWFilterTables.bridge, ruleset.bridgeChains), (NWFilterTables.inet, ruleset.inetChains)] {
                for chain in chains {
                    let json: String
                    do { json = try self.context.listJSON("chain \(table) \(chain.name)") } catch {
                        throw PatchbayError(.kernel, "cannot read the counters of \(device)'s chain \(chain.name)", cause: "\(error)")
                    }
                    out += Self.counters(inChainJSON: json, chain: chain.name)
                }
            }
            return out
        }
    }

    /// The `counter` statements of a `nft -j list chain` answer, with each rule's comment.
    static func counters(inChainJSON json: String, chain: String) -> [NWFilterRuleStatistics] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let items = object["nftables"] as? [[String: Any]] else { return [] }
        var out: [NWFilterRuleStatistics] = []
        for item in items {
            guard let rule = item["rule"] as? [String: Any], let expressions = rule["expr"] as? [[String: Any]] else { continue }
            for expression in expressions {
                guard let counter = expression["counter"] as? [String: Any] else { continue }
                out.append(NWFilterRuleStatistics(chain: chain, rule: rule["comment"] as? String ?? "",
                                               packets: (counter["packets"] as? NSNumber)?.uint64Value ?? 0,
                                               bytes: (counter["bytes"] as? NSNumber)?.uint64Value ?? 0))
            }
        }
        return out
    }

    private func restoreNow(_ desired: [String: NWFilterPortRuleset]) throws(PatchbayError) -> [String] {
        let saved = loadState()
        let listing = currentListing()
        if let saved, !listing.isEmpty, saved.listing == listing {
            // The kernel holds what was applied last: change only what differs.
            applied.withLock { $0 = saved.rulesets }
            let changed = desired.keys.filter { desired[$0] != saved.rulesets[$0] } + saved.rulesets.keys.filter { desired[$0] == nil }
            // The tables are as listed, base chains included: only the ports that changed are
            // written, and after a restart alone nothing is.
            try run(NWFilterTables.transaction(from: saved.rulesets, to: desired), then: desired)
            return changed.sorted()
        }
        if desired.isEmpty && listing.isEmpty {
            applied.withLock { $0 = [:] }
            return []
        }
        try rebuild(desired)
        return desired.keys.sorted()
    }

    private func rebuild(_ desired: [String: NWFilterPortRuleset]) throws(PatchbayError) {
        // Whichever of the two tables exists goes in the same transaction that builds both.
        let present = ((try? context.tables()) ?? []).filter { $0 == NWFilterTables.bridge || $0 == NWFilterTables.inet }
        let commands = present.map { "delete table \($0)" } + NWFilterTables.rebuild(Array(desired.values))
        do {
            try context.run(commands)
        } catch {
            // Nothing of the transaction took effect: the previous rules stay in force.
            throw PatchbayError(.kernel, "cannot apply the network filter rules; the previous rules stay in force", cause: error.description)
        }
        finish(desired)
    }

    private func finish(_ desired: [String: NWFilterPortRuleset]) {
        applied.withLock { $0 = desired }
        // Listing thousands of rules takes longer than changing one port's, so the state file is
        // written at most once a second, after the last change of a burst: 1,000 guests starting
        // at once would otherwise each wait for a listing of everyone's rules. A daemon killed
        // in between finds the file older than the kernel and rebuilds both tables in one
        // transaction: slower, never unfiltered.
        let first = stateDue.withLock { due -> Bool in
            defer { due = true }
            return !due
        }
        guard first else { return }
        Task.detached { [self] in
            try? await Task.sleep(for: .seconds(1))
            thread.submit {
                self.stateDue.withLock { $0 = false }
                self.writeState(self.applied.withLock { $0 } ?? [:])
            }
        }
    }

    private func currentListing() -> String {
        [NWFilterTables.bridge, NWFilterTables.inet].compactMap { context.listTable($0) }.joined(separator: "\n")
            // Counters move with traffic; they are not what was applied.
            .replacingOccurrences(of: #"counter packets [0-9]+ bytes [0-9]+"#, with: "counter", options: .regularExpression)
    }

    private func loadState() -> SavedState? {
        guard let data = FileManager.default.contents(atPath: statePath) else { return nil }
        return try? JSONDecoder().decode(SavedState.self, from: data)
    }

    private func writeState(_ rulesets: [String: NWFilterPortRuleset]) {
        let snapshot = SavedState(rulesets: rulesets, listing: currentListing())
        do {
            try JSONEncoder().encode(snapshot).write(to: URL(fileURLWithPath: statePath), options: .atomic)
        } catch {
            logger.error("cannot save the nwfilter state", metadata: ["path": "\(statePath)", "error": "\(error)"])
        }
    }
}
