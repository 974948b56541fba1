import LibvirtXML
import PatchbayModel

/// Reads a `<filter>` document as libvirt's virNWFilterDefParseXML does: the name is required,
/// the chain must be `root` or start with a protocol prefix, a missing UUID is generated, and
/// unknown elements are ignored. Any attribute value libvirt would refuse fails the whole
/// document with the element, the attribute and the value named.
///
/// libvirt's quirks are kept where documents depend on them: a rule's first protocol element
/// decides the protocol and later elements of the same name add to it (other names are
/// ignored), an out-of-range rule priority falls back to 500, and unknown attributes are ignored.
public enum NWFilterXMLParser {
    public static func parse(_ text: String, generateUUID: () -> NetworkUUID = { NetworkUUID.random() })
        throws(NetworkXMLError) -> NWFilterDefinition {
        let root: XMLElement
        do { root = try XMLTreeParser.parse(text) } catch {
            throw NetworkXMLError("malformed XML: \(error.message)", position: error.position)
        }
        return try parse(root, generateUUID: generateUUID)
    }

    public static func parse(_ root: XMLElement, generateUUID: () -> NetworkUUID = { NetworkUUID.random() })
        throws(NetworkXMLError) -> NWFilterDefinition {
        guard root.name == "filter" else {
            throw NetworkXMLError("the root element must be <filter>, not <\(root.name)>", position: root.position)
        }
        guard let name = root.attribute("name") else {
            throw NetworkXMLError("a filter needs a name", element: "filter", attribute: "name", position: root.position)
        }
        guard isValidFilterName(name) else {
            throw error(root, "a filter name may hold only letters, digits and '_', '.', ':', '-'", attribute: "name", value: name)
        }

        var priority: Int?
        if let text = root.attribute("priority") {
            guard let value = Int(text), NWFilterDefinition.priorityRange.contains(value) else {
                throw error(root, "a chain priority is an integer from -1000 to 1000", attribute: "priority", value: text)
            }
            priority = value
        }
        var chain = NWFilterChain.root
        var chainPriority = 0
        if let text = root.attribute("chain") {
            switch NWFilterChain.parse(text) {
            case .success(let parsed): chain = parsed
            case .failure(let reason): throw error(root, reason.description, attribute: "chain", value: text)
            }
            chainPriority = priority ?? chain.defaultPriority
        }

        var uuid: NetworkUUID
        var uuidSpecified = false
        if let element = root.firstChild(named: "uuid") {
            guard let parsed = NetworkUUID(element.textContent) else {
                throw NetworkXMLError("malformed uuid element", element: "uuid", value: element.textContent, position: element.position)
            }
            uuid = parsed
            uuidSpecified = true
        } else {
            uuid = generateUUID()
        }

        var entries: [NWFilterEntry] = []
        for child in root.childElements {
            switch child.name {
            case "rule": entries.append(.rule(try parseRule(child)))
            case "filterref": entries.append(.reference(try parseReference(child)))
            default: continue
            }
        }
        var definition = NWFilterDefinition(name: name, uuid: uuid, uuidSpecified: uuidSpecified, chain: chain, entries: entries)
        definition.chainPriority = chainPriority
        return definition
    }

    /// nwfilter.rng's filter name pattern; it also keeps the name safe as a file name.
    public static func isValidFilterName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { b in
            NWFilterVariableAccess.isNameByte(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: ":") || b == UInt8(ascii: "-")
        }
    }

    static func parseReference(_ element: XMLElement) throws(NetworkXMLError) -> NWFilterReference {
        guard let filter = element.attribute("filter") else {
            throw error(element, "a filter reference needs the name of the filter", attribute: "filter")
        }
        guard isValidFilterName(filter) else {
            throw error(element, "not a filter name", attribute: "filter", value: filter)
        }
        return NWFilterReference(filter: filter, parameters: try parseParameters(element))
    }

    /// `<parameter name value>` children; a name given again adds to its list. libvirt skips a
    /// parameter whose name or value it cannot use; Patchbay says which one instead, since a
    /// silently dropped `IP` would leave a port filtered on the wrong addresses.
    public static func parseParameters(_ element: XMLElement) throws(NetworkXMLError) -> NWFilterParameters {
        var parameters = NWFilterParameters()
        for child in element.children(named: "parameter") {
            guard let name = child.attribute("name") else {
                throw error(child, "a parameter needs a name", attribute: "name")
            }
            guard NWFilterVariableAccess.isValidName(name) else {
                throw error(child, "a parameter name may hold only letters, digits and '_'", attribute: "name", value: name)
            }
            guard let value = child.attribute("value") else {
                throw error(child, "parameter '\(name)' needs a value", attribute: "value")
            }
            guard NWFilterParameters.isValidValue(value) else {
                throw error(child, "a parameter value may hold only letters, digits and '_', '.', ':'", attribute: "value", value: value)
            }
            parameters.append(value, to: name)
        }
        return parameters
    }

    static func parseRule(_ element: XMLElement) throws(NetworkXMLError) -> NWFilterRule {
        guard let actionText = element.attribute("action") else {
            throw error(element, "a rule needs an action", attribute: "action")
        }
        guard let action = NWFilterAction(rawValue: actionText) else {
            throw error(element, "expected one of " + NWFilterAction.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "),
                        attribute: "action", value: actionText)
        }
        guard let directionText = element.attribute("direction") else {
            throw error(element, "a rule needs a direction", attribute: "direction")
        }
        guard let direction = NWFilterDirection(rawValue: directionText) else {
            throw error(element, "expected 'in', 'out' or 'inout'", attribute: "direction", value: directionText)
        }
        var rule = NWFilterRule(action: action, direction: direction)
        if let text = element.attribute("priority"), let value = Int(text), NWFilterDefinition.priorityRange.contains(value) {
            rule.priority = value
        }
        if let text = element.attribute("statematch"), text == "0" || text.lowercased() == "false" {
            rule.stateMatch = false
        }

        var match: NWFilterMatch?
        for child in element.childElements {
            guard let proto = NWFilterProtocol(rawValue: child.name) else { continue }
            if let existing = match, existing.protocol != proto { continue }
            var current = match ?? NWFilterMatch(protocol: proto)
            try mergeAttributes(of: child, into: &current)
            try validatePorts(current, element: child)
            match = current
        }
        if var current = match {
            fixNegation(&current)
            fixIPSet(&current)
            rule.match = current
        }
        return rule
    }

    static func mergeAttributes(of element: XMLElement, into match: inout NWFilterMatch) throws(NetworkXMLError) {
        let negated = element.attribute("match") == "no"
        for spec in match.protocol.attributes {
            guard let text = element.attribute(spec.field.rawValue) else { continue }
            if text.hasPrefix("$") {
                switch NWFilterVariableAccess.parse(String(text.dropFirst())) {
                case .success(let access): match[spec.field] = NWFilterMatchValue(.variable(access), negated: negated)
                case .failure(let reason): throw error(element, reason.description, attribute: spec.field.rawValue, value: text)
                }
                continue
            }
            switch NWFilterValueText.parse(text, as: spec.kind) {
            case .success(let value): match[spec.field] = NWFilterMatchValue(value, negated: negated)
            case .failure(let reason): throw error(element, reason.text, attribute: spec.field.rawValue, value: text)
            }
        }
    }

    /// virNWFilterRuleValidate: ports in an `<ip>` or `<ipv6>` rule need a protocol that has them.
    static func validatePorts(_ match: NWFilterMatch, element: XMLElement) throws(NetworkXMLError) {
        guard match.protocol == .ip || match.protocol == .ipv6 else { return }
        let portFields: [NWFilterField] = [.srcportstart, .srcportend, .dstportstart, .dstportend]
        guard portFields.contains(where: { match[$0] != nil }) else { return }
        if case .number(let p, _)? = match[.protocol]?.value, [6, 17, 33, 132].contains(p) { return }
        if case .variable? = match[.protocol]?.value { return }
        throw error(element, "\(match.protocol == .ip ? "IP" : "IPv6") rule with port specification requires protocol "
                    + "specification with protocol to be either one of tcp(6), udp(17), dccp(33), or sctp(132)",
                    attribute: "protocol", value: element.attribute("protocol"))
    }

    static func fixNegation(_ match: inout NWFilterMatch) {
        for (target, source) in match.protocol.negationFollows {
            guard match[target] != nil, let leader = match[source] else { continue }
            match.fields[target]?.negated = leader.negated
        }
    }

    /// virNWFilterRuleDefFixupIPSet: an ipset without flags matches the source; flags without
    /// an ipset mean nothing and are dropped.
    static func fixIPSet(_ match: inout NWFilterMatch) {
        guard match.protocol.spec(for: .ipset) != nil else { return }
        if let set = match[.ipset], match[.ipsetflags] == nil {
            match[.ipsetflags] = NWFilterMatchValue(.ipsetFlags([.src]), negated: set.negated)
        } else if match[.ipset] == nil {
            match[.ipsetflags] = nil
        }
    }

    static func error(_ element: XMLElement, _ message: String, attribute: String? = nil, value: String? = nil) -> NetworkXMLError {
        let at = attribute.flatMap { a in element.attributes.first { $0.name == a }?.position } ?? element.position
        return NetworkXMLError(message, element: element.name, attribute: attribute, value: value, position: at)
    }
}
