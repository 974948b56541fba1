import PatchbayModel

/// One `<filter>` as libvirt's nwfilter language defines it (docs/formatnwfilter.rst,
/// src/conf/nwfilter_conf.c): a named, chained list of rules and references to other filters.
///
/// It is a value: the engine stores it, the compiler reads it, and nothing in it does I/O.
public struct NWFilterDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: NetworkUUID
    /// libvirt generates a UUID when the document has none; remembering that lets a redefinition
    /// without `<uuid>` keep the stored one, as virNWFilterObjListAssignDef does.
    public var uuidSpecified: Bool
    public var chain: NWFilterChain
    /// The chain's priority: the one given, or the default of the chain's prefix.
    public var chainPriority: Int
    public var entries: [NWFilterEntry]

    public init(name: String, uuid: NetworkUUID, uuidSpecified: Bool = true, chain: NWFilterChain = .root,
                chainPriority: Int? = nil, entries: [NWFilterEntry] = []) {
        self.name = name
        self.uuid = uuid
        self.uuidSpecified = uuidSpecified
        self.chain = chain
        self.chainPriority = chainPriority ?? chain.defaultPriority
        self.entries = entries
    }

    public var rules: [NWFilterRule] {
        entries.compactMap { if case .rule(let r) = $0 { r } else { nil } }
    }

    public var references: [NWFilterReference] {
        entries.compactMap { if case .reference(let r) = $0 { r } else { nil } }
    }

    /// Filter priorities and rule priorities share libvirt's range (NWFILTER_MIN/MAX_FILTER_PRIORITY).
    public static let priorityRange = -1000...1000
    /// A rule without `priority`, or with one outside the range, gets 500 (MAX_RULE_PRIORITY / 2).
    public static let defaultRulePriority = 500
}

/// A filter's entries keep their document order: libvirt formats them in that order, and
/// rules of equal priority are instantiated in it.
public enum NWFilterEntry: Sendable, Hashable, Codable {
    case rule(NWFilterRule)
    case reference(NWFilterReference)
}

/// `<filterref filter='NAME'>` with its `<parameter>`s; a parameter given several times is a list.
public struct NWFilterReference: Sendable, Hashable, Codable {
    public var filter: String
    public var parameters: NWFilterParameters

    public init(filter: String, parameters: NWFilterParameters = NWFilterParameters()) {
        self.filter = filter
        self.parameters = parameters
    }
}

public enum NWFilterAction: String, Sendable, Hashable, Codable, CaseIterable {
    case drop, accept, reject
    /// Leave this chain and go on in the one that jumped here (libvirt 0.9.7).
    case `return`
    /// Go on with the next rule (libvirt 0.9.7): a rule that only counts or logs.
    case `continue`
}

/// `in` is traffic to the guest, `out` traffic from it (formatnwfilter "Rule elements").
public enum NWFilterDirection: String, Sendable, Hashable, Codable, CaseIterable {
    case `in`, out, `inout`
}

public struct NWFilterRule: Sendable, Hashable, Codable {
    public var action: NWFilterAction
    public var direction: NWFilterDirection
    public var priority: Int
    /// `statematch='false'` turns connection tracking off for the rule and its mirror.
    public var stateMatch: Bool
    /// Nil is a rule without a protocol element: it matches everything that reaches its chain.
    public var match: NWFilterMatch?

    public init(action: NWFilterAction, direction: NWFilterDirection, priority: Int = NWFilterDefinition.defaultRulePriority,
                stateMatch: Bool = true, match: NWFilterMatch? = nil) {
        self.action = action
        self.direction = direction
        self.priority = priority
        self.stateMatch = stateMatch
        self.match = match
    }
}

/// The protocol element of a rule and its attributes. Attributes are kept by name; their order
/// on output is the protocol's attribute table, as libvirt's formatter walks it.
public struct NWFilterMatch: Sendable, Hashable, Codable {
    public var `protocol`: NWFilterProtocol
    public var fields: [NWFilterField: NWFilterMatchValue]

    public init(protocol: NWFilterProtocol, fields: [NWFilterField: NWFilterMatchValue] = [:]) {
        self.protocol = `protocol`
        self.fields = fields
    }

    public subscript(field: NWFilterField) -> NWFilterMatchValue? {
        get { fields[field] }
        set { fields[field] = newValue }
    }

    /// The variables the rule reads, each once, in attribute-table order.
    public var variables: [NWFilterVariableAccess] {
        var seen: [NWFilterVariableAccess] = []
        for spec in `protocol`.attributes {
            if case .variable(let access)? = fields[spec.field]?.value, !seen.contains(access) { seen.append(access) }
        }
        return seen
    }
}

/// One attribute's value and whether `match='no'` negates it.
public struct NWFilterMatchValue: Sendable, Hashable, Codable {
    public var value: NWFilterValue
    public var negated: Bool

    public init(_ value: NWFilterValue, negated: Bool = false) {
        self.value = value
        self.negated = negated
    }
}
