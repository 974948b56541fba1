import PatchbayModel

/// Patchbay's nwfilter tables as the engine sees them (the daemon gives it `NWFilterFirewall`;
/// engine tests a recording fake). Every change is one transaction, so a refused change leaves
/// every port's previous rules in force.
public protocol NWFilterApplying: Sendable {
    /// Changes only these ports (new or changed rulesets; devices whose filter goes), leaving
    /// every other port as it is: what one binding's change costs must not grow with the others.
    func update(_ rulesets: [NWFilterPortRuleset], removing devices: [String]) async throws(PatchbayError)
    /// At daemon start: checks the kernel against what was applied last and changes only what
    /// differs (nothing, after a daemon restart alone). Returns the devices whose rules it wrote.
    func restore(_ rulesets: [NWFilterPortRuleset]) async throws(PatchbayError) -> [String]
    /// Per-rule hit counters of one port, by the rule's comment (filter and priority).
    func counters(device: String) async throws(PatchbayError) -> [NWFilterRuleStatistics]
}

/// For daemons and tests without nftables: holds what it is given and applies nothing.
public final class NoNWFilterFirewall: NWFilterApplying {
    public init() {}
    public func update(_ rulesets: [NWFilterPortRuleset], removing devices: [String]) async throws(PatchbayError) {}
    public func restore(_ rulesets: [NWFilterPortRuleset]) async throws(PatchbayError) -> [String] { [] }
    public func counters(device: String) async throws(PatchbayError) -> [NWFilterRuleStatistics] { [] }
}

extension NWFilterTables {
    /// One transaction from `old` to `new` (both by device): ports whose ruleset is unchanged
    /// are not touched.
    public static func transaction(from old: [String: NWFilterPortRuleset], to new: [String: NWFilterPortRuleset]) -> [String] {
        var commands: [String] = []
        for device in old.keys.sorted() where new[device] == nil { commands += remove(old[device]!) }
        for device in new.keys.sorted() where new[device] != old[device] { commands += apply(new[device]!, replacing: old[device]) }
        return commands
    }

    /// Both tables from nothing (after `delete table` of any that exist, in the same
    /// transaction, so no packet ever sees neither).
    public static func rebuild(_ rulesets: [NWFilterPortRuleset]) -> [String] {
        var commands = setup()
        for ruleset in rulesets.sorted(by: { $0.port.device < $1.port.device }) { commands += apply(ruleset, replacing: nil) }
        return commands
    }
}
