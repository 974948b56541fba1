import NWFilter
import PatchbayModel
import PatchbayStore

/// Network ACLs: named policies attached to networks, portgroups or ports, compiled into the
/// same per-port chains as the port's nwfilter (`ACLCompiler`), so both are one transaction and
/// one restart path. Every change is checked whole first: a rule that does not make sense or an
/// attachment to something that does not exist changes nothing.
extension NetworkEngine {
    /// `acl-create` / `acl-update`: stores the ACL (new, or in place of the one of that name)
    /// and gives every port it covers, before and after, its new rules in one transaction.
    @discardableResult
    public func defineACL(_ acl: NetworkACL) async throws(PatchbayError) -> NetworkACL {
        try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) -> NetworkACL in
            try await validate(acl)
            let previous = try await store.acl(named: acl.name)
            let before = try await aclContext()
            try await store.save(acl)
            do throws(PatchbayError) {
                try await applyACLChange(before: before)
            } catch {
                if let previous { try? await store.save(previous) } else { try? await store.deleteACL(named: acl.name) }
                throw error
            }
            logger.info("ACL defined", metadata: ["acl": "\(acl.name)", "ingress": "\(acl.ingress.count)", "egress": "\(acl.egress.count)",
                                                  "attachments": "\(acl.attachments.count)"])
            return acl
        }
    }

    /// `acl-delete`: the ACL goes, and the ports it covered lose its rules.
    public func deleteACL(name: String) async throws(PatchbayError) {
        try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) in
            guard let previous = try await store.acl(named: name) else { throw PatchbayError(.notFound, "ACL '\(name)' not found") }
            let before = try await aclContext()
            try await store.deleteACL(named: name)
            do throws(PatchbayError) {
                try await applyACLChange(before: before)
            } catch {
                try? await store.save(previous)
                throw error
            }
        }
    }

    /// `acl-list`.
    public func acls() async throws(PatchbayError) -> [ACLSummary] {
        let context = try await aclContext()
        return context.acls.map { acl in
            ACLSummary(name: acl.name, description: acl.description, ingressRules: acl.ingress.count, egressRules: acl.egress.count,
                       attachments: acl.attachments, ports: context.ports.filter { context.acls(for: $0).contains(acl) }.count)
        }
    }

    /// `acl-show`: the ACL, its ports, and each rule's hits summed over them.
    public func aclDetails(name: String) async throws(PatchbayError) -> ACLDetails {
        let context = try await aclContext()
        guard let acl = context.acls.first(where: { $0.name == name }) else { throw PatchbayError(.notFound, "ACL '\(name)' not found") }
        let ports = context.ports.filter { context.acls(for: $0).contains(acl) }.map(\.device).sorted()
        var sums: [String: (UInt64, UInt64)] = [:]
        for device in ports {
            for counter in try await nwfilterFirewall.counters(device: device) {
                let total = sums[counter.rule] ?? (0, 0)
                sums[counter.rule] = (total.0 + counter.packets, total.1 + counter.bytes)
            }
        }
        var counters: [ACLDetails.RuleCounters] = []
        for direction in ACLDirection.allCases {
            for (index, rule) in acl.rules(direction).enumerated() {
                let sum = sums[ACLCompiler.comment(acl.name, direction, index + 1)] ?? (0, 0)
                counters.append(.init(direction: direction, index: index + 1, rule: ACLRuleText.format(rule), packets: sum.0, bytes: sum.1))
            }
            if acl.defaultAction(direction) != .accept {
                let sum = sums[ACLCompiler.comment(acl.name, direction, nil)] ?? (0, 0)
                counters.append(.init(direction: direction, index: nil, rule: "default \(acl.defaultAction(direction).rawValue)",
                                      packets: sum.0, bytes: sum.1))
            }
        }
        return ACLDetails(acl: acl, ports: ports, counters: counters)
    }

    // MARK: Checks

    func validate(_ acl: NetworkACL) async throws(PatchbayError) {
        guard NetworkACL.isValidName(acl.name) else {
            throw PatchbayError(.invalidArgument, "ACL name '\(acl.name)' must be 1 to 63 letters, digits, '-', '_' or '.', not starting with '.'")
        }
        for direction in ACLDirection.allCases {
            for (index, rule) in acl.rules(direction).enumerated() {
                if let problem = rule.problem {
                    throw PatchbayError(.invalidArgument, "ACL '\(acl.name)' \(direction.rawValue) rule \(index + 1) (\(ACLRuleText.format(rule))): \(problem)")
                }
                for case .owner(let owner) in rule.source + rule.destination where owner.isEmpty {
                    throw PatchbayError(.invalidArgument, "ACL '\(acl.name)' \(direction.rawValue) rule \(index + 1): @owner: needs a name")
                }
            }
        }
        var seen: Set<ACLAttachment> = []
        for attachment in acl.attachments {
            guard seen.insert(attachment).inserted else {
                throw PatchbayError(.invalidArgument, "ACL '\(acl.name)' is attached to \(attachment) twice")
            }
            if let uuid = attachment.port {
                guard attachment.network == nil, attachment.portgroup == nil else {
                    throw PatchbayError(.invalidArgument, "ACL '\(acl.name)': an attachment names a port, or a network (with an optional portgroup), not both")
                }
                guard let port = try await store.port(uuid: uuid) else {
                    throw PatchbayError(.notFound, "ACL '\(acl.name)' is attached to port \(uuid), which does not exist")
                }
                let record = try await store.network(named: port.network)
                guard ACLContext.coverable(port, record.map { $0.live ?? $0.current }) else {
                    throw PatchbayError(.invalidArgument, "ACL '\(acl.name)': port \(uuid) (\(port.type.rawValue) on network '\(port.network)') is not a guest port on a Linux bridge, which ACLs need")
                }
                continue
            }
            guard let network = attachment.network else {
                throw PatchbayError(.invalidArgument, "ACL '\(acl.name)': an attachment needs a network or a port")
            }
            guard let record = try await store.network(named: network) else {
                throw PatchbayError(.notFound, "ACL '\(acl.name)' is attached to network '\(network)', which does not exist")
            }
            let definition = record.live ?? record.current
            if let group = attachment.portgroup, !definition.portGroups.contains(where: { $0.name == group }) {
                throw PatchbayError(.notFound, "ACL '\(acl.name)' is attached to portgroup '\(group)', which network '\(network)' does not have")
            }
            switch PortPlacement(definition) {
            case .ownedBridge, .hostBridge: break
            default:
                throw PatchbayError(.invalidArgument, "ACL '\(acl.name)': network '\(network)' does not put its ports on a Linux bridge, which ACLs need")
            }
        }
    }

    // MARK: Plans

    /// Everything compiling ACLs needs, read once.
    func aclContext() async throws(PatchbayError) -> ACLContext {
        let acls = try await store.acls()
        var context = ACLContext.empty
        guard !acls.isEmpty else { return context }
        let bindings = try await store.nwfilterBindings()
        context.bindingIDs = Dictionary(bindings.map { ($0.device, $0.markID) }, uniquingKeysWith: { a, _ in a })
        context.acls = acls
        context.ports = try await store.ports()
        for record in try await store.networks() {
            context.networks[record.name] = record.live ?? record.current
            context.leases[record.name] = try await store.leases(network: record.name)
        }
        return context
    }

    /// After the ACLs changed: every port covered before or after gets its ruleset recomputed
    /// (its binding's plan with the ACLs, or the ACLs alone), ports no longer covered and
    /// without a binding lose their rules; one transaction.
    func applyACLChange(before: ACLContext) async throws(PatchbayError) {
        let after = try await aclContext()
        let devices = Set(before.coveredPorts.map(\.device)).union(after.coveredPorts.map(\.device))
        guard !devices.isEmpty else { return }
        var rulesets = after.aclOnlyRulesets.filter { devices.contains($0.port.device) }
        var removing: [String] = []
        let filters = try await nwfilterLookupTable()
        for device in devices.sorted() where !rulesets.contains(where: { $0.port.device == device }) {
            if let record = try await store.nwfilterBinding(device: device) {
                rulesets.append(try await nwfilterPlan(record, filters: filters, acl: after).ruleset)
            } else {
                removing.append(device)
            }
        }
        try await nwfilterFirewall.update(rulesets, removing: removing)
    }

    /// A new port on a network with ACLs gets its rules before its device exists.
    func applyPortACLs(_ port: NetworkPort) async throws(PatchbayError) {
        try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) in
            let context = try await aclContext()
            guard let ruleset = context.aclOnlyRulesets.first(where: { $0.port.device == port.device }) else { return }
            try await nwfilterFirewall.update([ruleset], removing: [])
        }
    }

    /// A port went: its ACL rules go (its binding's, if any, are removed with the binding).
    func removePortACLs(device: String) async {
        do {
            try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) in
                guard try await store.nwfilterBinding(device: device) == nil, !(try await store.acls().isEmpty) else { return }
                try await nwfilterFirewall.update([], removing: [device])
            }
        } catch {
            logger.error("cannot remove the ACL rules of a deleted port", metadata: ["device": "\(device)", "error": "\(error)"])
        }
    }
}
