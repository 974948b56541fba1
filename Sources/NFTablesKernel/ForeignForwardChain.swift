import Foundation

/// A base chain of another program's table on the forward hook that drops what it does not
/// know: Docker's `ip filter FORWARD` (policy drop), or firewalld's forward chain (policy accept,
/// ending in an unconditional reject). nftables runs every base chain of a hook, so such a chain
/// drops Patchbay's forwarded traffic whatever Patchbay's own table accepts.
struct ForeignForwardChain: Equatable, Sendable {
    var family: String
    var table: String
    var chain: String
    var reason: String
    /// Where the accept rules go: Docker's DOCKER-USER chain when the table has one (Docker
    /// documents it as the place for user rules, and keeps it across its own reloads), else the
    /// dropping chain itself.
    var target: String
}

/// An accept rule Patchbay put into someone else's chain, found again by its comment
/// (`patchbay:accept:BRIDGE`) and the handle the kernel gives it now: handles restart when a
/// program re-creates its table, so a remembered handle could name another program's rule.
struct TaggedForeignRule: Equatable, Sendable {
    var family: String
    var table: String
    var chain: String
    var handle: Int
    var bridge: String
}

/// What one foreign table holds that concerns Patchbay.
struct ForeignTable: Equatable, Sendable {
    var droppingChains: [ForeignForwardChain] = []
    var taggedRules: [TaggedForeignRule] = []

    static let commentPrefix = "patchbay:accept:"

    static func comment(for bridge: String) -> String { commentPrefix + bridge }

    /// Reads `nft -j list table ...` (or `list ruleset`) output, leaving out `ownTables`.
    static func read(rulesetJSON json: String, ownTables: Set<String>) -> ForeignTable {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]] else { return ForeignTable() }
        var chainsByTable: [String: Set<String>] = [:]
        var candidates: [(family: String, table: String, chain: String, policy: String)] = []
        var lastRule: [String: [String: Any]] = [:]
        var result = ForeignTable()
        for item in items {
            if let chain = item["chain"] as? [String: Any], let family = chain["family"] as? String,
               let table = chain["table"] as? String, let name = chain["name"] as? String {
                guard !ownTables.contains("\(family) \(table)") else { continue }
                chainsByTable["\(family) \(table)", default: []].insert(name)
                if chain["hook"] as? String == "forward", chain["type"] as? String == "filter" {
                    candidates.append((family, table, name, chain["policy"] as? String ?? "accept"))
                }
            }
            if let rule = item["rule"] as? [String: Any], let family = rule["family"] as? String,
               let table = rule["table"] as? String, let chain = rule["chain"] as? String,
               !ownTables.contains("\(family) \(table)") {
                if let comment = rule["comment"] as? String, comment.hasPrefix(commentPrefix),
                   let handle = rule["handle"] as? Int {
                    result.taggedRules.append(TaggedForeignRule(family: family, table: table, chain: chain, handle: handle,
                                                                bridge: String(comment.dropFirst(commentPrefix.count))))
                } else {
                    lastRule["\(family) \(table) \(chain)"] = rule
                }
            }
        }
        for candidate in candidates where ["ip", "inet"].contains(candidate.family) {
            let key = "\(candidate.family) \(candidate.table)"
            var reason: String?
            if candidate.policy == "drop" {
                reason = "policy drop"
            } else if let rule = lastRule["\(key) \(candidate.chain)"], isUnconditionalDrop(rule) {
                reason = "it ends in an unconditional drop or reject"
            }
            guard let reason else { continue }
            let target = chainsByTable[key]?.contains("DOCKER-USER") == true ? "DOCKER-USER" : candidate.chain
            result.droppingChains.append(ForeignForwardChain(family: candidate.family, table: candidate.table, chain: candidate.chain,
                                                             reason: reason, target: target))
        }
        return result
    }

    static func isUnconditionalDrop(_ rule: [String: Any]) -> Bool {
        guard let expressions = rule["expr"] as? [[String: Any]], expressions.count == 1, let only = expressions.first else {
            return false
        }
        return only["drop"] != nil || only["reject"] != nil
    }

    /// The commands that leave exactly one pair of tagged accept rules per bridge in `bridges` in
    /// each dropping chain's target, and none of Patchbay's elsewhere, with the chains that got
    /// new rules (for the warning).
    func plan(bridges: Set<String>) -> (commands: [String], opened: [(ForeignForwardChain, String)]) {
        var commands: [String] = []
        var opened: [(ForeignForwardChain, String)] = []
        // Handles are per table: a kept rule is known by where it is as well.
        var keep: Set<String> = []
        func key(_ rule: TaggedForeignRule) -> String { "\(rule.family) \(rule.table) \(rule.chain) \(rule.handle)" }
        for chain in droppingChains {
            for bridge in bridges.sorted() {
                let present = taggedRules.filter { $0.family == chain.family && $0.table == chain.table
                    && $0.chain == chain.target && $0.bridge == bridge }
                // Two rules (iifname, oifname); anything else is rebuilt.
                if present.count == 2 {
                    keep.formUnion(present.map(key))
                    continue
                }
                let prefix = "insert rule \(chain.family) \(chain.table) \(chain.target)"
                let quoted = "\"\(bridge)\""
                let comment = "comment \"\(Self.comment(for: bridge))\""
                commands.append("\(prefix) iifname \(quoted) accept \(comment)")
                commands.append("\(prefix) oifname \(quoted) accept \(comment)")
                opened.append((chain, bridge))
            }
        }
        for rule in taggedRules where !keep.contains(key(rule)) {
            commands.append("delete rule \(rule.family) \(rule.table) \(rule.chain) handle \(rule.handle)")
        }
        return (commands, opened)
    }
}
