import LibvirtXML
import PatchbayModel

/// Writes a filter as libvirt 11's virNWFilterDefFormat does, for `nwfilter-dumpxml`: the
/// chain always, the priority when it is not 0, every rule with its priority, and a protocol
/// element's attributes in the element's table order — the plain ones in one element, the
/// negated ones in a second with `match='no'` (libvirt's conformance case quirks-invalid).
public enum NWFilterXMLFormatter {
    public static func format(_ filter: NWFilterDefinition) -> String {
        var out = "<filter name='\(filter.name)' chain='\(filter.chain.name)'"
        if filter.chainPriority != 0 { out += " priority='\(filter.chainPriority)'" }
        out += ">\n"
        out += "  <uuid>\(filter.uuid)</uuid>\n"
        for entry in filter.entries {
            switch entry {
            case .rule(let rule): formatRule(rule, indent: "  ", into: &out)
            case .reference(let reference): formatReference(reference, indent: "  ", into: &out)
            }
        }
        out += "</filter>\n"
        return out
    }

    public static func formatReference(_ reference: NWFilterReference, indent: String, into out: inout String) {
        out += indent + "<filterref filter='\(reference.filter)'"
        formatParameters(reference.parameters, element: "filterref", indent: indent, into: &out)
    }

    /// The parameters as children (sorted by name, each list in its order), or a self-closed
    /// element when there are none.
    static func formatParameters(_ parameters: NWFilterParameters, element: String, indent: String, into out: inout String) {
        guard !parameters.isEmpty else {
            out += "/>\n"
            return
        }
        out += ">\n"
        for name in parameters.names {
            for value in parameters[name] ?? [] {
                out += indent + "  <parameter name='\(name)' value='\(XMLWriter.escape(value))'/>\n"
            }
        }
        out += indent + "</\(element)>\n"
    }

    static func formatRule(_ rule: NWFilterRule, indent: String, into out: inout String) {
        out += indent + "<rule action='\(rule.action.rawValue)' direction='\(rule.direction.rawValue)' priority='\(rule.priority)'"
        if !rule.stateMatch { out += " statematch='false'" }
        guard let match = rule.match else {
            out += "/>\n"
            return
        }
        out += ">\n"
        let inner = indent + "  "
        let element = match.protocol.rawValue
        var plain = "", negated = ""
        for spec in match.protocol.attributes {
            guard let value = match[spec.field] else { continue }
            let text = " \(spec.field.rawValue)='\(XMLWriter.escape(NWFilterValueText.format(value.value, as: spec.kind)))'"
            if value.negated { negated += text } else { plain += text }
        }
        if !plain.isEmpty { out += inner + "<\(element)\(plain)/>\n" }
        if !negated.isEmpty { out += inner + "<\(element) match='no'\(negated)/>\n" }
        if plain.isEmpty && negated.isEmpty { out += inner + "<\(element)/>\n" }
        out += indent + "</rule>\n"
    }
}
