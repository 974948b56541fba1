import LibvirtXML
import NWFilter
import PatchbayModel
import PatchbayStore

/// libvirt's nwfilter driver, on Patchbay's tables: filters as objects (`nwfilter-define`,
/// `-undefine`, `-list`, `-dumpxml`), bindings of a filter to a port device
/// (`nwfilter-binding-*`, and the ones ports make for themselves), and the rules in the kernel
/// kept equal to both.
///
/// Every change is checked whole before anything is stored: a definition that would leave a
/// bound port with a loop, a missing filter or a value that does not fit is refused, and the
/// ports it changes get their new rules in one transaction.
extension NetworkEngine {
    static let nwfilterLock = "nwfilter"

    // MARK: Filters

    /// `nwfilter-define`: a new filter, or a new version of one (user-defined, or overriding a
    /// built-in or system filter of the same name).
    @discardableResult
    public func defineNWFilter(xml: String) async throws(PatchbayError) -> NWFilterDefinition {
        try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) -> NWFilterDefinition in
            var definition: NWFilterDefinition
            do { definition = try NWFilterXMLParser.parse(xml) } catch {
                throw PatchbayError(.invalidArgument, "invalid filter XML: \(error)")
            }
            let existing = try await nwfilterDefinition(named: definition.name)
            if let existing {
                if definition.uuidSpecified && definition.uuid != existing.uuid {
                    throw PatchbayError(.alreadyExists, "filter '\(definition.name)' already exists with UUID \(existing.uuid)")
                }
                definition.uuid = existing.uuid
            }
            for record in try await store.nwfilters() where record.name != definition.name {
                if record.uuid == definition.uuid {
                    throw PatchbayError(.alreadyExists, "filter '\(record.name)' already has UUID \(definition.uuid)")
                }
            }
            var filters = try await nwfilterLookupTable()
            filters[definition.name] = definition
            // libvirt's virNWFilterDefLoopDetect: a definition may name filters not defined yet,
            // but never itself through others.
            try Self.checkLoops(from: definition.name, in: filters)
            // Every bound port whose tree uses it must still instantiate with the new version.
            let plans = try await nwfilterPlans(filters: filters, using: definition.name)
            for plan in plans where plan.state == .blocked {
                throw PatchbayError(.invalidArgument, "filter '\(definition.name)' would break the filter of port \(plan.binding.portDevice): \(plan.reason ?? "")")
            }
            try await store.save(NWFilterRecord(name: definition.name, uuid: definition.uuid, xml: NWFilterXMLFormatter.format(definition)))
            try await nwfilterFirewall.update(plans.map(\.ruleset), removing: [])
            await followLearning(plans)
            logger.info("network filter defined", metadata: ["filter": "\(definition.name)", "uuid": "\(definition.uuid)"])
            return definition
        }
    }

    /// `nwfilter-undefine`: refused while a port's filter tree or another filter uses it. A
    /// user definition that overrides a built-in goes, and the built-in is back.
    public func undefineNWFilter(name: String) async throws(PatchbayError) {
        try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) in
            guard try await store.nwfilter(named: name) != nil else {
                if NWFilterBuiltins.definitions[name] != nil || systemNWFilters[name] != nil {
                    throw PatchbayError(.operationInvalid, "filter '\(name)' is built in and cannot be undefined")
                }
                throw PatchbayError(.notFound, "network filter '\(name)' not found")
            }
            var filters = try await nwfilterLookupTable()
            let fallback = systemNWFilters[name] ?? NWFilterBuiltins.definitions[name]
            filters[name] = fallback
            if fallback == nil {
                for (other, definition) in filters where definition.references.contains(where: { $0.filter == name }) {
                    throw PatchbayError(.operationInvalid, "filter '\(name)' is in use by filter '\(other)'")
                }
            }
            let plans = try await nwfilterPlans(filters: filters, using: name)
            if let broken = plans.first(where: { $0.state == .blocked }) {
                throw PatchbayError(.operationInvalid, "filter '\(name)' is in use by the filter of port \(broken.binding.portDevice)")
            }
            try await store.deleteNWFilter(named: name)
            try await nwfilterFirewall.update(plans.map(\.ruleset), removing: [])
            await followLearning(plans)
        }
    }

    /// `nwfilter-list`: defined, system and built-in filters, each name once.
    public func nwfilters() async throws(PatchbayError) -> [NWFilterSummary] {
        let filters = try await nwfilterLookupTable()
        let defined = Set(try await store.nwfilters().map(\.name))
        let plans = try await nwfilterPlans(filters: filters)
        return filters.keys.sorted().map { name in
            let origin: NWFilterSummary.Origin = defined.contains(name) ? .defined : systemNWFilters[name] != nil ? .system : .builtin
            return NWFilterSummary(name: name, uuid: filters[name]!.uuid, origin: origin,
                                   bindings: plans.filter { $0.usesFilter(name) }.count)
        }
    }

    /// `nwfilter-dumpxml`.
    public func nwfilterXML(name: String) async throws(PatchbayError) -> String {
        guard let definition = try await nwfilterDefinition(named: name) else {
            throw PatchbayError(.notFound, "network filter '\(name)' not found")
        }
        return NWFilterXMLFormatter.format(definition)
    }

    // MARK: Bindings

    /// `nwfilter-binding-create`: a filter on a port device, which need not exist yet (its
    /// rules are in place before it joins a bridge).
    @discardableResult
    public func createNWFilterBinding(xml: String) async throws(PatchbayError) -> NWFilterBindingSummary {
        let binding: NWFilterBinding
        do { binding = try NWFilterBindingXML.parse(xml) } catch {
            throw PatchbayError(.invalidArgument, "invalid filter binding XML: \(error)")
        }
        return try await addNWFilterBinding(binding, port: nil)
    }

    /// `nwfilter-binding-delete`.
    public func deleteNWFilterBinding(device: String) async throws(PatchbayError) {
        try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) in
            guard try await store.nwfilterBinding(device: device) != nil else {
                throw PatchbayError(.notFound, "no filter binding for port device '\(device)'")
            }
            try await store.deleteNWFilterBinding(device: device)
            await addressLearner.stop(device: device)
            // The port's ACLs, if any, stay.
            if let ruleset = try await aclContext().aclOnlyRulesets.first(where: { $0.port.device == device }) {
                try await nwfilterFirewall.update([ruleset], removing: [])
            } else {
                try await nwfilterFirewall.update([], removing: [device])
            }
        }
    }

    /// `nwfilter-binding-list`.
    public func nwfilterBindings() async throws(PatchbayError) -> [NWFilterBindingSummary] {
        try await nwfilterPlans(filters: try await nwfilterLookupTable()).map(\.summary)
    }

    /// `nwfilter-binding-dumpxml`.
    public func nwfilterBindingXML(device: String) async throws(PatchbayError) -> String {
        guard let record = try await store.nwfilterBinding(device: device) else {
            throw PatchbayError(.notFound, "no filter binding for port device '\(device)'")
        }
        return record.xml
    }

    /// Per-rule hit counters of a binding's rules.
    public func nwfilterBindingStatistics(device: String) async throws(PatchbayError) -> [NWFilterRuleStatistics] {
        guard try await store.nwfilterBinding(device: device) != nil else {
            throw PatchbayError(.notFound, "no filter binding for port device '\(device)'")
        }
        return try await nwfilterFirewall.counters(device: device)
    }

    /// A binding for a new port (`net-port-create --filter`) or from the API; the rules are in
    /// the kernel when this returns.
    func addNWFilterBinding(_ binding: NWFilterBinding, port: NetworkUUID?) async throws(PatchbayError) -> NWFilterBindingSummary {
        try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) -> NWFilterBindingSummary in
            if try await store.nwfilterBinding(device: binding.portDevice) != nil {
                throw PatchbayError(.alreadyExists, "port device '\(binding.portDevice)' already has a filter binding")
            }
            let filters = try await nwfilterLookupTable()
            do { _ = try NWFilterInstantiator.closure(of: binding.filter.filter, lookup: { filters[$0] }) } catch {
                throw PatchbayError(.invalidArgument, "cannot bind filter '\(binding.filter.filter)' to \(binding.portDevice): \(error)")
            }
            let context = try await aclContext()
            // Ids in use by bindings, and by ports that have ACLs only (a binding takes over its port's).
            let used = Set(try await store.nwfilterBindings().map(\.markID))
                .union(context.aclOnlyIDs.filter { $0.key != binding.portDevice }.values)
            guard let id = NWFilterPort.idRange.first(where: { !used.contains($0) }) else {
                throw PatchbayError(.operationInvalid, "every port mark id is in use (\(NWFilterPort.idRange.count) filtered ports)")
            }
            let record = NWFilterBindingRecord(device: binding.portDevice, xml: NWFilterBindingXML.format(binding), markID: id, port: port)
            let plan = try await nwfilterPlan(record, filters: filters, acl: context)
            if plan.state == .blocked {
                throw PatchbayError(.invalidArgument, "cannot bind filter '\(binding.filter.filter)' to \(binding.portDevice): \(plan.reason ?? "")")
            }
            try await store.save(record)
            do throws(PatchbayError) {
                try await nwfilterFirewall.update([plan.ruleset], removing: [])
            } catch {
                try? await store.deleteNWFilterBinding(device: binding.portDevice)
                throw error
            }
            await followLearning([plan])
            logger.info("filter bound", metadata: ["device": "\(binding.portDevice)", "filter": "\(binding.filter.filter)", "state": "\(plan.state)"])
            return plan.summary
        }
    }

    /// Drops a port's own binding when the port goes.
    func removeNWFilterBinding(ofPort uuid: NetworkUUID, device: String) async {
        do {
            try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) in
                guard let record = try await store.nwfilterBinding(device: device), record.port == uuid else { return }
                try await store.deleteNWFilterBinding(device: device)
                await addressLearner.stop(device: device)
                try await nwfilterFirewall.update([], removing: [device])
            }
        } catch {
            logger.error("cannot remove the filter of a deleted port", metadata: ["device": "\(device)", "error": "\(error)"])
        }
    }

    /// A lease was granted or renewed on `network`: a port waiting for its address (`$IP`
    /// learnt from Patchbay's own DHCP server) gets its full filter now.
    public func nwfilterLeasesChanged(network: String, macs: Set<MACAddress>) async {
        do {
            try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) in
                let records = try await store.nwfilterBindings()
                let context = try await aclContext()
                // With ACLs, a lease changes what @guests and @owner stand for: every covered
                // port is recompiled (the firewall writes only those whose rules differ).
                let covered = Set(context.coveredPorts.map(\.device))
                guard !records.isEmpty || !covered.isEmpty else { return }
                var affected: [NWFilterBindingRecord] = []
                for record in records {
                    if covered.contains(record.device) { affected.append(record); continue }
                    guard let binding = try? NWFilterBindingXML.parse(record.xml), macs.contains(binding.mac) else { continue }
                    if let uuid = record.port, let port = try await store.port(uuid: uuid), port.network != network { continue }
                    affected.append(record)
                }
                let filters = try await nwfilterLookupTable()
                var rulesets = context.aclOnlyRulesets
                var plans: [NWFilterPlan] = []
                for record in affected { plans.append(try await nwfilterPlan(record, filters: filters, acl: context)) }
                rulesets += plans.map(\.ruleset)
                guard !rulesets.isEmpty else { return }
                try await nwfilterFirewall.update(rulesets, removing: [])
                await followLearning(plans)
            }
        } catch {
            logger.error("cannot update filters after a lease", metadata: ["network": "\(network)", "error": "\(error)"])
        }
    }

    /// At start: the kernel's nwfilter tables checked against the bindings, changed where they
    /// differ.
    func restoreNWFilters() async -> [String] {
        do {
            return try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) -> [String] in
                // The bindings of ports a killed daemon left half made (and recovery removed) go too.
                for record in try await store.nwfilterBindings() {
                    if let uuid = record.port, try await store.port(uuid: uuid) == nil {
                        try await store.deleteNWFilterBinding(device: record.device)
                    }
                }
                let context = try await aclContext()
                let plans = try await nwfilterPlans(filters: try await nwfilterLookupTable(), acl: context)
                let aclOnly = context.aclOnlyRulesets
                let written = try await nwfilterFirewall.restore(plans.map(\.ruleset) + aclOnly)
                await followLearning(plans)
                if plans.isEmpty && aclOnly.isEmpty && written.isEmpty { return [] }
                let blocked = plans.filter { $0.state == .blocked }.map { "nwfilter: \($0.binding.portDevice) blocked (\($0.reason ?? ""))" }
                let acls = aclOnly.isEmpty ? "" : ", \(aclOnly.count) more with ACLs only"
                return ["nwfilter: \(plans.count) bound port\(plans.count == 1 ? "" : "s")\(acls), \(written.count) re-applied"] + blocked
            }
        } catch {
            logger.error("cannot restore the network filters", metadata: ["error": "\(error)"])
            return ["nwfilter: not restored (\(error))"]
        }
    }

    /// The guest of a port learning from traffic was seen using `address`: it is the port's
    /// `$IP` from now on (stored, so a restart keeps it), and the port gets its full filter.
    public func nwfilterAddressLearned(device: String, address: IPv4Address) async {
        do {
            try await locks.withLock(Self.nwfilterLock) { () async throws(PatchbayError) in
                guard var record = try await store.nwfilterBinding(device: device), record.learnedIPv4 == nil else { return }
                let filters = try await nwfilterLookupTable()
                guard try await nwfilterPlan(record, filters: filters).learnsFromTraffic else { return }
                record.learnedIPv4 = address
                try await store.save(record)
                let plan = try await nwfilterPlan(record, filters: filters)
                try await nwfilterFirewall.update([plan.ruleset], removing: [])
                await followLearning([plan])
                logger.info("filtered guest's address learnt from its traffic", metadata: ["device": "\(device)", "address": "\(address)"])
            }
        } catch {
            logger.error("cannot apply a learnt address", metadata: ["device": "\(device)", "error": "\(error)"])
        }
    }

    /// Ports learning from traffic are watched, the others not (any more).
    func followLearning(_ plans: [NWFilterPlan]) async {
        for plan in plans {
            if plan.learnsFromTraffic {
                await addressLearner.watch(device: plan.binding.portDevice, mac: plan.binding.mac)
            } else {
                await addressLearner.stop(device: plan.binding.portDevice)
            }
        }
    }

    // MARK: Plans

    /// Every filter by name: Patchbay's built-ins, overridden by /etc/libvirt/nwfilter's,
    /// overridden by the user's.
    func nwfilterLookupTable() async throws(PatchbayError) -> [String: NWFilterDefinition] {
        var table = NWFilterBuiltins.definitions
        for (name, definition) in systemNWFilters { table[name] = definition }
        for record in try await store.nwfilters() {
            do { table[record.name] = try NWFilterXMLParser.parse(record.xml) } catch {
                throw PatchbayError(.storage, "the stored network filter '\(record.name)' cannot be read", cause: "\(error)")
            }
        }
        return table
    }

    func nwfilterDefinition(named name: String) async throws(PatchbayError) -> NWFilterDefinition? {
        try await nwfilterLookupTable()[name]
    }

    static func checkLoops(from name: String, in filters: [String: NWFilterDefinition]) throws(PatchbayError) {
        do { _ = try NWFilterInstantiator.closure(of: name, lookup: { filters[$0] ?? NWFilterDefinition.placeholder($0) }) } catch {
            throw PatchbayError(.invalidArgument, "cannot define filter '\(name)': \(error)")
        }
    }

    func nwfilterPlans(filters: [String: NWFilterDefinition], acl: ACLContext? = nil) async throws(PatchbayError) -> [NWFilterPlan] {
        var plans: [NWFilterPlan] = []
        let context: ACLContext
        if let acl { context = acl } else { context = try await aclContext() }
        for record in try await store.nwfilterBindings() { plans.append(try await nwfilterPlan(record, filters: filters, acl: context)) }
        return plans
    }

    /// The plans of the bindings whose tree, as stored now or with `filters`, reaches `name`.
    func nwfilterPlans(filters: [String: NWFilterDefinition], using name: String) async throws(PatchbayError) -> [NWFilterPlan] {
        let stored = try await nwfilterLookupTable()
        let context = try await aclContext()
        var plans: [NWFilterPlan] = []
        for record in try await store.nwfilterBindings() {
            guard let binding = try? NWFilterBindingXML.parse(record.xml) else { continue }
            let before = (try? NWFilterInstantiator.closure(of: binding.filter.filter, lookup: { stored[$0] })) ?? [binding.filter.filter]
            let after = (try? NWFilterInstantiator.closure(of: binding.filter.filter, lookup: { filters[$0] })) ?? [binding.filter.filter]
            guard before.contains(name) || after.contains(name) else { continue }
            plans.append(try await nwfilterPlan(record, filters: filters, acl: context))
        }
        return plans
    }

    /// What one binding puts in the kernel. `$IP` comes from the binding's parameters, else from
    /// the port's current DHCP leases (Patchbay is the DHCP server: no sniffing); without either
    /// the port is learning: it may do DHCP and nothing else until its lease is granted. A
    /// binding whose tree cannot be instantiated blocks the port entirely rather than leave it
    /// unfiltered.
    func nwfilterPlan(_ record: NWFilterBindingRecord, filters: [String: NWFilterDefinition],
                      acl: ACLContext? = nil) async throws(PatchbayError) -> NWFilterPlan {
        var plan = try await nwfilterBasePlan(record, filters: filters)
        let context: ACLContext
        if let acl { context = acl } else { context = try await aclContext() }
        guard !context.acls.isEmpty else { return plan }
        // The port's ACLs run ahead of its filter, in the same chains (NetworkEngine+ACLs).
        let port = record.port.flatMap { uuid in context.ports.first { $0.uuid == uuid } } ?? context.ports.first { $0.device == record.device }
        plan.ruleset = context.adding(to: plan.ruleset, port: port)
        return plan
    }

    private func nwfilterBasePlan(_ record: NWFilterBindingRecord, filters: [String: NWFilterDefinition]) async throws(PatchbayError) -> NWFilterPlan {
        let binding: NWFilterBinding
        do { binding = try NWFilterBindingXML.parse(record.xml) } catch {
            throw PatchbayError(.storage, "the stored filter binding of '\(record.device)' cannot be read", cause: "\(error)")
        }
        var parameters = binding.filter.parameters
        var port = NWFilterPort(device: record.device, id: record.markID)
        var servers: [String] = []
        var guardDHCP = false
        if let uuid = record.port, let owner = try await store.port(uuid: uuid), let network = try await store.network(named: owner.network) {
            let leased = try await store.leases(network: owner.network).filter { $0.mac == binding.mac }.map(\.ip)
            if parameters["IP"] == nil, !leased.isEmpty { parameters.set("IP", to: leased.map(\.description)) }
            let definition = network.live ?? network.current
            servers = definition.ips.compactMap { ip in
                if case .v4(let a) = ip.address { a.description } else { nil }
            }
            guardDHCP = definition.ips.contains { $0.dhcp.isEnabled }
        }
        // libvirt's default is to learn from traffic; where Patchbay is the network's DHCP
        // server its leases are the authority, and nothing the guest sends can claim an address.
        let mode = parameters["CTRL_IP_LEARNING"]?.first ?? (guardDHCP ? "dhcp" : "any")
        guard ["any", "dhcp", "none"].contains(mode), (parameters["CTRL_IP_LEARNING"]?.count ?? 1) == 1 else {
            return NWFilterPlan.blocked(binding, port: port, reason: "CTRL_IP_LEARNING must be any, dhcp or none, not '\(parameters["CTRL_IP_LEARNING"]!.joined(separator: ","))'", closure: [])
        }
        if parameters["IP"] == nil, mode == "any", let learned = record.learnedIPv4 { parameters.set("IP", to: [learned.description]) }
        port.ipv4 = (parameters["IP"] ?? []).compactMap(IPv4Address.init)
        port.ipv6 = (parameters["IPV6"] ?? []).compactMap(IPv6Address.init)
        switch Self.logging(parameters) {
        case .success(let logging): port.logging = logging
        case .failure(let reason): return NWFilterPlan.blocked(binding, port: port, reason: reason.message, closure: [])
        }
        let reference = NWFilterReference(filter: binding.filter.filter, parameters: parameters)
        let lookup: (String) -> NWFilterDefinition? = { filters[$0] }
        var closure: [String] = []
        do {
            closure = try NWFilterInstantiator.closure(of: reference.filter, lookup: lookup)
            let missing = try NWFilterInstantiator.missingVariables(reference, lookup: lookup)
            let learning = missing == ["IP"] && mode != "none"
            let rules: [NWFilterInstantiatedRule]
            if learning && mode == "any" {
                rules = try NWFilterLearning.basic(mac: binding.mac)
            } else if learning {
                rules = try NWFilterLearning.dhcpOnly(mac: binding.mac, servers: parameters["DHCPSERVER"] ?? servers)
            } else {
                rules = try NWFilterInstantiator.instantiate(reference, mac: binding.mac, lookup: lookup)
            }
            // Patchbay serves DHCP on this network: a filtered guest may not answer as a server.
            let ruleset = try NWFilterCompiler.compile((guardDHCP ? NWFilterGuards.dhcpServer() : []) + rules, for: port)
            return NWFilterPlan(binding: binding, ruleset: ruleset, state: learning ? .learning : .active, reason: nil, closure: closure,
                                learnsFromTraffic: learning && mode == "any")
        } catch {
            // An NWFilterInstantiationError or NWFilterRenderError, whose text says what is wrong.
            return NWFilterPlan.blocked(binding, port: port, reason: "\(error)", closure: closure)
        }
    }
}

/// One binding's place in the kernel: its rules, and whether they are its filter's, the
/// learning phase's, or the drop-everything of a filter that cannot be instantiated.
struct NWFilterPlan: Sendable {
    var binding: NWFilterBinding
    var ruleset: NWFilterPortRuleset
    var state: NWFilterBindingSummary.State
    var reason: String?
    var closure: [String]
    /// Learning, and from the guest's traffic (CTRL_IP_LEARNING=any).
    var learnsFromTraffic = false

    func usesFilter(_ name: String) -> Bool { closure.contains(name) || binding.filter.filter == name }

    var summary: NWFilterBindingSummary {
        NWFilterBindingSummary(portDevice: binding.portDevice, filter: binding.filter.filter, owner: binding.ownerName, mac: binding.mac,
                               state: state, rules: ruleset.ruleCount, reason: reason)
    }

    /// libvirt's applyDropAllRules: a port whose filter fails is cut off, not opened.
    static func blocked(_ binding: NWFilterBinding, port: NWFilterPort, reason: String, closure: [String]) -> NWFilterPlan {
        let drop = NWFilterInstantiatedRule(chain: .root, chainPriority: 0, priority: 1000, action: .drop, direction: .inout,
                                            stateMatch: false, match: nil, filter: "patchbay-blocked")
        let ruleset = (try? NWFilterCompiler.compile([drop], for: port)) ?? NWFilterPortRuleset(port: port, bridgeChains: [], inetChains: [])
        return NWFilterPlan(binding: binding, ruleset: ruleset, state: .blocked, reason: reason, closure: closure)
    }
}

extension NetworkEngine {
    /// `CTRL_LOG=drops` (Patchbay's, beside libvirt's CTRL_IP_LEARNING): log what the filter
    /// drops, to the kernel log or to NFLOG group `CTRL_LOG_GROUP`.
    static func logging(_ parameters: NWFilterParameters) -> Result<NWFilterLogging?, PatchbayError> {
        guard let mode = parameters["CTRL_LOG"] else {
            if parameters["CTRL_LOG_GROUP"] != nil {
                return .failure(PatchbayError(.invalidArgument, "CTRL_LOG_GROUP needs CTRL_LOG=drops"))
            }
            return .success(nil)
        }
        guard mode == ["drops"] else {
            return .failure(PatchbayError(.invalidArgument, "CTRL_LOG must be 'drops', not '\(mode.joined(separator: ","))'"))
        }
        guard let group = parameters["CTRL_LOG_GROUP"] else { return .success(NWFilterLogging()) }
        guard group.count == 1, let number = UInt16(group[0]) else {
            return .failure(PatchbayError(.invalidArgument, "CTRL_LOG_GROUP must be one NFLOG group number from 0 to 65535"))
        }
        return .success(NWFilterLogging(group: number))
    }
}

extension NWFilterDefinition {
    /// Stands for a filter that is referenced but not defined yet, so loop detection can walk
    /// past it (libvirt lets a definition name filters that come later).
    static func placeholder(_ name: String) -> NWFilterDefinition {
        NWFilterDefinition(name: name, uuid: NetworkUUID(bytes: [UInt8](repeating: 0, count: 16))!)
    }
}
