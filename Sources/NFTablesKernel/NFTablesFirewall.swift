import Foundation
import Logging
import NFTables
import PatchbayModel
import Synchronization

/// Keeps Patchbay's nftables tables in step with the running networks, and the narrow accept
/// rules it adds to other programs' forward chains (see `ForeignForwardChain`), which it undoes
/// when the network stops.
///
/// What was applied is remembered in a state file (the desired command text and the kernel's
/// listing of both tables right after), so that a restarted daemon re-applies only when the
/// kernel or the desired rules differ, and can still undo the rules it put in other tables.
public final class NFTablesFirewall: FirewallApplying {
    struct ForeignRule: Codable, Equatable, Sendable {
        var family: String
        var table: String
        var chain: String
        var handle: Int
    }

    struct State: Codable, Sendable {
        var desired: String = ""
        var listing: String = ""
        var foreignRules: [String: [ForeignRule]] = [:]
    }

    private let context: NFTablesContext
    private let statePath: String
    private let coexistence: Bool
    private let logger: Logger
    private let networks = Mutex<[String: FirewallNetwork]>([:])
    private let state: Mutex<State>

    /// `coexistence`: whether to add accept rules to other programs' forward chains that would
    /// drop a network's traffic (on by default; `patchbayd --no-firewall-coexistence`).
    public init(statePath: String, coexistence: Bool = true, logger: Logger) throws(NFTablesError) {
        context = try NFTablesContext()
        self.statePath = statePath
        self.coexistence = coexistence
        self.logger = logger
        var loaded = State()
        if let data = FileManager.default.contents(atPath: statePath), let decoded = try? JSONDecoder().decode(State.self, from: data) {
            loaded = decoded
        }
        state = Mutex(loaded)
    }

    // MARK: Networks

    /// Installs (or replaces) the rules of `network`.
    public func apply(_ network: FirewallNetwork) throws(PatchbayError) {
        do { try applyRules(network) } catch {
            throw PatchbayError(.kernel, "cannot apply the firewall rules of network '\(network.name)'", cause: error.description)
        }
    }

    func applyRules(_ network: FirewallNetwork) throws(NFTablesError) {
        var all = networks.withLock { $0 }
        let previous = all[network.name]
        if all.isEmpty { try context.run(PatchbayTables.base) }
        all[network.name] = network
        var commands = PatchbayTables.base
        if let previous { commands += PatchbayTables.remove(previous) }
        commands += PatchbayTables.add(network) + PatchbayTables.portForwards(Array(all.values))
        do {
            try context.run(commands)
        } catch {
            // The kernel differs from what we believe (a table flushed behind our back): rebuild.
            logger.warning("incremental firewall update failed; rebuilding Patchbay's tables", metadata: ["error": "\(error)"])
            try runAll(PatchbayTables.full(Self.sorted(all)))
        }
        networks.withLock { $0 = all }
        if coexistence { try? openForeignChains(for: network) }
        saveState(all)
    }

    /// Removes the rules of the network named `name`, and Patchbay's tables with the last one.
    public func remove(_ name: String) throws(PatchbayError) {
        do { try removeRules(name) } catch {
            throw PatchbayError(.kernel, "cannot remove the firewall rules of network '\(name)'", cause: error.description)
        }
    }

    func removeRules(_ name: String) throws(NFTablesError) {
        var all = networks.withLock { $0 }
        guard let network = all.removeValue(forKey: name) else { return }
        undoForeignRules(of: name)
        if all.isEmpty {
            try context.run(PatchbayTables.removal)
        } else {
            do {
                try context.run(PatchbayTables.base + PatchbayTables.remove(network) + PatchbayTables.portForwards(Array(all.values)))
            } catch {
                logger.warning("incremental firewall removal failed; rebuilding Patchbay's tables", metadata: ["error": "\(error)"])
                try runAll(PatchbayTables.full(Self.sorted(all)))
            }
        }
        networks.withLock { $0 = all }
        saveState(all)
    }

    /// At daemon start: the running networks' rules. Re-applies only when the kernel's tables
    /// or the desired rules differ from what was applied last; returns whether it did.
    @discardableResult
    public func restore(_ running: [FirewallNetwork]) throws(PatchbayError) -> Bool {
        do { return try restoreRules(running) } catch {
            throw PatchbayError(.kernel, "cannot restore Patchbay's firewall tables", cause: error.description)
        }
    }

    func restoreRules(_ running: [FirewallNetwork]) throws(NFTablesError) -> Bool {
        var all: [String: FirewallNetwork] = [:]
        for network in running { all[network.name] = network }
        networks.withLock { $0 = all }
        let transactions = PatchbayTables.full(Self.sorted(all))
        let desired = Self.text(transactions)
        let saved = state.withLock { $0 }
        if saved.desired == desired && saved.listing == currentListing() {
            return false
        }
        if running.isEmpty && currentListing().isEmpty { return false }
        try runAll(transactions)
        writeState(all)
        return true
    }

    private func runAll(_ transactions: [[String]]) throws(NFTablesError) {
        for commands in transactions { try context.run(commands) }
    }

    static func text(_ transactions: [[String]]) -> String {
        transactions.map { $0.joined(separator: "\n") }.joined(separator: "\n")
    }

    /// Writes 1 to the namespace's forwarding switches, as libvirt does when a nat or route
    /// network starts (it never turns them off again: other software may rely on them).
    public func enableForwarding(ipv6: Bool) throws(PatchbayError) {
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

    static func sorted(_ networks: [String: FirewallNetwork]) -> [FirewallNetwork] {
        networks.values.sorted { $0.name < $1.name }
    }

    private func currentListing() -> String {
        [PatchbayTables.filter, PatchbayTables.nat].compactMap { context.listTable($0) }.joined(separator: "\n")
    }

    private let saveGeneration = Mutex<Int>(0)

    /// Records the state half a second after the last change, off the caller's path: listing the
    /// tables costs more as networks are added, and a start should not pay for it. A daemon
    /// killed inside that half second finds a stale record at restart and re-applies, which is
    /// safe.
    private func saveState(_ all: [String: FirewallNetwork]) {
        let generation = saveGeneration.withLock { $0 += 1; return $0 }
        Task.detached { [self] in
            try? await Task.sleep(for: .milliseconds(500))
            guard saveGeneration.withLock({ $0 }) == generation else { return }
            writeState(networks.withLock { $0 })
        }
    }

    /// Writes the state now (at restore, and when the daemon stops).
    public func flushState() {
        writeState(networks.withLock { $0 })
    }

    private func writeState(_ all: [String: FirewallNetwork]) {
        let listing = currentListing()
        let snapshot = state.withLock { state -> State in
            state.desired = Self.text(PatchbayTables.full(Self.sorted(all)))
            state.listing = listing
            return state
        }
        do {
            try JSONEncoder().encode(snapshot).write(to: URL(fileURLWithPath: statePath), options: .atomic)
        } catch {
            logger.error("cannot save the firewall state", metadata: ["path": "\(statePath)", "error": "\(error)"])
        }
    }

    // MARK: Other programs' forward chains

    /// Adds accept rules for the network's bridge to every foreign forward chain that would drop
    /// its traffic, logging one warning per chain.
    func openForeignChains(for network: FirewallNetwork) throws(NFTablesError) {
        guard network.mode != .isolated else { return }
        let own: Set<String> = [PatchbayTables.filter, PatchbayTables.nat]
        // Only other programs' ip and inet tables can hold such a chain; reading just those keeps
        // a network's start from growing with Patchbay's own rules.
        let foreign = try context.tables().filter { !own.contains($0) && ($0.hasPrefix("ip ") || $0.hasPrefix("inet ")) }
        var chains: [ForeignForwardChain] = []
        for table in foreign {
            chains += ForeignForwardChain.find(inRulesetJSON: try context.listJSON("table \(table)"), ownTables: own)
        }
        guard !chains.isEmpty else { return }
        var added: [ForeignRule] = []
        for chain in chains {
            let bridge = "\"\(network.bridge)\""
            let prefix = "insert rule \(chain.family) \(chain.table) \(chain.target)"
            for rule in ["iifname \(bridge) accept", "oifname \(bridge) accept"] {
                let output = try context.run("\(prefix) \(rule)", echoHandle: true)
                if let handle = Self.handle(in: output) {
                    added.append(ForeignRule(family: chain.family, table: chain.table, chain: chain.target, handle: handle))
                }
            }
            logger.warning("""
                table \(chain.family) \(chain.table) chain \(chain.chain) would drop the forwarded traffic of network \
                \(network.name) (\(chain.reason)); added accept rules for bridge \(network.bridge) to chain \(chain.target), \
                removed when the network stops (patchbayd --no-firewall-coexistence turns this off)
                """)
        }
        state.withLock { $0.foreignRules[network.name, default: []] += added }
        // Rules in someone else's table must be found again even after a crash: record them now.
        writeState(networks.withLock { $0 })
    }

    func undoForeignRules(of network: String) {
        let rules = state.withLock { $0.foreignRules.removeValue(forKey: network) } ?? []
        for rule in rules {
            do {
                try context.run("delete rule \(rule.family) \(rule.table) \(rule.chain) handle \(rule.handle)")
            } catch {
                logger.info("an accept rule Patchbay added is already gone",
                            metadata: ["table": "\(rule.family) \(rule.table)", "chain": "\(rule.chain)", "handle": "\(rule.handle)"])
            }
        }
    }

    /// The handle nft echoes for an inserted rule ("... # handle 7").
    static func handle(in output: String) -> Int? {
        guard let range = output.range(of: "# handle ", options: .backwards) else { return nil }
        return Int(output[range.upperBound...].prefix { $0.isNumber })
    }
}
