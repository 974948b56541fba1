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

    /// Reads `nft -j list ruleset` output.
    static func find(inRulesetJSON json: String, ownTables: Set<String>) -> [ForeignForwardChain] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let items = root["nftables"] as? [[String: Any]] else { return [] }
        var chainsByTable: [String: Set<String>] = [:]
        var candidates: [(family: String, table: String, chain: String, policy: String)] = []
        var lastRule: [String: [String: Any]] = [:]
        for item in items {
            if let chain = item["chain"] as? [String: Any], let family = chain["family"] as? String,
               let table = chain["table"] as? String, let name = chain["name"] as? String {
                chainsByTable["\(family) \(table)", default: []].insert(name)
                if chain["hook"] as? String == "forward", chain["type"] as? String == "filter",
                   !ownTables.contains("\(family) \(table)") {
                    candidates.append((family, table, name, chain["policy"] as? String ?? "accept"))
                }
            }
            if let rule = item["rule"] as? [String: Any], let family = rule["family"] as? String,
               let table = rule["table"] as? String, let chain = rule["chain"] as? String {
                lastRule["\(family) \(table) \(chain)"] = rule
            }
        }
        var found: [ForeignForwardChain] = []
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
            found.append(ForeignForwardChain(family: candidate.family, table: candidate.table, chain: candidate.chain,
                                             reason: reason, target: target))
        }
        return found
    }

    static func isUnconditionalDrop(_ rule: [String: Any]) -> Bool {
        guard let expressions = rule["expr"] as? [[String: Any]], expressions.count == 1, let only = expressions.first else {
            return false
        }
        return only["drop"] != nil || only["reject"] != nil
    }
}
