import PatchbayModel

/// One rule of a filter tree made concrete for one port: every variable replaced by a value,
/// with the chain and the priorities that place it (nwfilter_gentech_driver.c's
/// virNWFilterRuleInstantiate, without the firewall text).
public struct NWFilterInstantiatedRule: Sendable, Hashable, Codable {
    /// The chain of the filter the rule is written in, not of the filter that referenced it.
    public var chain: NWFilterChain
    public var chainPriority: Int
    public var priority: Int
    public var action: NWFilterAction
    public var direction: NWFilterDirection
    public var stateMatch: Bool
    /// No `.variable` values remain.
    public var match: NWFilterMatch?
    /// The filter the rule is written in, for counters and error messages.
    public var filter: String

    public var layer: NWFilterProtocol.Layer { match?.protocol.layer ?? .ethernet }

    public init(chain: NWFilterChain, chainPriority: Int, priority: Int, action: NWFilterAction, direction: NWFilterDirection,
                stateMatch: Bool, match: NWFilterMatch?, filter: String) {
        self.chain = chain
        self.chainPriority = chainPriority
        self.priority = priority
        self.action = action
        self.direction = direction
        self.stateMatch = stateMatch
        self.match = match
        self.filter = filter
    }
}

public enum NWFilterInstantiationError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownFilter(String, referencedBy: String?)
    case loop([String])
    case missingVariable(String, filter: String)
    case missingElement(String, index: UInt32, count: Int, filter: String)
    case cardinalityMismatch([String], filter: String)
    case invalidValue(variable: String, value: String, attribute: String, reason: String, filter: String)

    public var description: String {
        switch self {
        case .unknownFilter(let name, let parent?):
            "filter '\(parent)' references filter '\(name)', which is not defined"
        case .unknownFilter(let name, nil):
            "filter '\(name)' is not defined"
        case .loop(let path):
            "filter references form a loop: " + path.joined(separator: " → ")
        case .missingVariable(let name, let filter):
            "filter '\(filter)' needs variable '\(name)', which has no value (give it as a parameter)"
        case .missingElement(let name, let index, let count, let filter):
            "filter '\(filter)' reads $\(name)[\(index)], but \(name) has \(count) value\(count == 1 ? "" : "s")"
        case .cardinalityMismatch(let names, let filter):
            "filter '\(filter)' walks " + names.map { "$" + $0 }.joined(separator: " and ")
                + " in step (the same iterator), so their lists must be equally long"
        case .invalidValue(let variable, let value, let attribute, let reason, let filter):
            "filter '\(filter)': $\(variable) = '\(value)' cannot be used as \(attribute): \(reason)"
        }
    }
}

/// Walks a filter tree from a port's `<filterref>` and returns its rules, concrete, in the
/// order they are met. Variables come from the reference's parameters, and a referenced filter
/// sees its parent's variables overridden by its own `<filterref>`'s parameters
/// (virNWFilterCreateVarsFrom). A variable holding a list multiplies its rule: variables on
/// the same iterator walk their lists in step, different iterators give every combination, and
/// a combination already produced is not produced again (virNWFilterVarCombIter).
public enum NWFilterInstantiator {
    public static func instantiate(_ reference: NWFilterReference, mac: MACAddress?,
                                   lookup: (String) -> NWFilterDefinition?)
        throws(NWFilterInstantiationError) -> [NWFilterInstantiatedRule] {
        var variables = reference.parameters
        if variables["MAC"] == nil, let mac { variables.set("MAC", to: [mac.description]) }
        var rules: [NWFilterInstantiatedRule] = []
        try walk(reference.filter, parent: nil, variables: variables, path: [], lookup: lookup, into: &rules)
        return rules
    }

    /// The filters a reference reaches, itself included, each once; fails on a missing filter
    /// or a loop. The engine uses it to refuse a definition that would break a port.
    public static func closure(of name: String, lookup: (String) -> NWFilterDefinition?)
        throws(NWFilterInstantiationError) -> [String] {
        var seen: [String] = []
        try visit(name, parent: nil, path: [], lookup: lookup, seen: &seen)
        return seen
    }

    /// The variables the tree reads that `given` does not supply (virNWFilterDetermineMissingVarsRec):
    /// `IP` missing is what sends a port into address learning.
    public static func missingVariables(_ reference: NWFilterReference, lookup: (String) -> NWFilterDefinition?)
        throws(NWFilterInstantiationError) -> Set<String> {
        var missing = Set<String>()
        try collectMissing(reference.filter, parent: nil, given: Set(reference.parameters.names).union(["MAC"]), path: [],
                           lookup: lookup, into: &missing)
        return missing
    }

    // MARK: Walking

    static func definition(_ name: String, parent: String?, path: [String], lookup: (String) -> NWFilterDefinition?)
        throws(NWFilterInstantiationError) -> NWFilterDefinition {
        if path.contains(name) { throw .loop(path + [name]) }
        guard let definition = lookup(name) else { throw .unknownFilter(name, referencedBy: parent) }
        return definition
    }

    static func visit(_ name: String, parent: String?, path: [String], lookup: (String) -> NWFilterDefinition?,
                      seen: inout [String]) throws(NWFilterInstantiationError) {
        let definition = try definition(name, parent: parent, path: path, lookup: lookup)
        if !seen.contains(name) { seen.append(name) }
        for reference in definition.references {
            try visit(reference.filter, parent: name, path: path + [name], lookup: lookup, seen: &seen)
        }
    }

    static func collectMissing(_ name: String, parent: String?, given: Set<String>, path: [String],
                               lookup: (String) -> NWFilterDefinition?, into missing: inout Set<String>)
        throws(NWFilterInstantiationError) {
        let definition = try definition(name, parent: parent, path: path, lookup: lookup)
        for entry in definition.entries {
            switch entry {
            case .rule(let rule):
                for access in rule.match?.variables ?? [] where !given.contains(access.name) { missing.insert(access.name) }
            case .reference(let reference):
                try collectMissing(reference.filter, parent: name, given: given.union(reference.parameters.names),
                                   path: path + [name], lookup: lookup, into: &missing)
            }
        }
    }

    static func walk(_ name: String, parent: String?, variables: NWFilterParameters, path: [String],
                     lookup: (String) -> NWFilterDefinition?, into rules: inout [NWFilterInstantiatedRule])
        throws(NWFilterInstantiationError) {
        let definition = try definition(name, parent: parent, path: path, lookup: lookup)
        for entry in definition.entries {
            switch entry {
            case .rule(let rule):
                for match in try expand(rule.match, variables: variables, filter: name) {
                    rules.append(NWFilterInstantiatedRule(chain: definition.chain, chainPriority: definition.chainPriority,
                                                          priority: rule.priority, action: rule.action,
                                                          direction: rule.direction, stateMatch: rule.stateMatch,
                                                          match: match, filter: name))
                }
            case .reference(let reference):
                try walk(reference.filter, parent: name, variables: variables.merging(reference.parameters),
                         path: path + [name], lookup: lookup, into: &rules)
            }
        }
    }

    // MARK: Variables

    /// The rule's match once per combination of its variables' values.
    static func expand(_ match: NWFilterMatch?, variables: NWFilterParameters, filter: String)
        throws(NWFilterInstantiationError) -> [NWFilterMatch?] {
        guard let match else { return [nil] }
        let accesses = match.variables
        guard !accesses.isEmpty else { return [match] }
        for access in accesses where variables[access.name] == nil { throw .missingVariable(access.name, filter: filter) }

        // One dimension per iterator id, in order of first use; each lists the indices whose
        // tuple of values has not been seen before.
        var order: [UInt32] = []
        var names: [UInt32: [String]] = [:]
        for access in accesses {
            guard case .iterator(let id) = access.access else { continue }
            if names[id] == nil { order.append(id); names[id] = [] }
            if !names[id]!.contains(access.name) { names[id]!.append(access.name) }
        }
        var dimensions: [[Int]] = []
        for id in order {
            let group = names[id]!
            let lengths = Set(group.map { variables[$0]!.count })
            guard lengths.count == 1, let length = lengths.first else { throw .cardinalityMismatch(group, filter: filter) }
            var seen = Set<[String]>()
            var indices: [Int] = []
            for i in 0..<length {
                let tuple = group.map { variables[$0]![i] }
                if seen.insert(tuple).inserted { indices.append(i) }
            }
            dimensions.append(indices)
        }

        var results: [NWFilterMatch?] = []
        var cursor = [Int](repeating: 0, count: dimensions.count)
        while true {
            var concrete = match
            for spec in match.protocol.attributes {
                guard let held = match[spec.field], case .variable(let access) = held.value else { continue }
                let list = variables[access.name]!
                let text: String
                switch access.access {
                case .element(let index):
                    guard Int(index) < list.count else {
                        throw .missingElement(access.name, index: index, count: list.count, filter: filter)
                    }
                    text = list[Int(index)]
                case .iterator(let id):
                    let dimension = order.firstIndex(of: id)!
                    text = list[dimensions[dimension][cursor[dimension]]]
                }
                switch NWFilterValueText.parse(text, as: spec.kind) {
                case .success(let value): concrete[spec.field] = NWFilterMatchValue(value, negated: held.negated)
                case .failure(let reason):
                    throw .invalidValue(variable: access.name, value: text, attribute: spec.field.rawValue, reason: reason.text,
                                        filter: filter)
                }
            }
            results.append(concrete)
            // The first dimension turns fastest, as virNWFilterVarCombIterNext does.
            var d = 0
            while d < dimensions.count {
                cursor[d] += 1
                if cursor[d] < dimensions[d].count { break }
                cursor[d] = 0
                d += 1
            }
            if d == dimensions.count { break }
        }
        return results
    }
}
