import PatchbayModel

/// Formats a tree the way libvirt writes its XML (virBuffer with two-space auto-indent): one
/// element per line, attributes in single quotes, empty elements self-closed, text-only elements
/// on one line, whitespace-only text between elements dropped, a newline at the end.
public enum XMLWriter {
    /// `keepOpen` names elements that libvirt writes as an open and a close tag even when they
    /// are empty (it formats `<ip>` that way).
    public static func format(_ root: XMLElement, keepOpen: (XMLElement) -> Bool = { _ in false }) -> String {
        var out = ""
        write(root, depth: 0, into: &out, keepOpen: keepOpen)
        return out
    }

    private static func write(_ element: XMLElement, depth: Int, into out: inout String, keepOpen: (XMLElement) -> Bool) {
        let indent = String(repeating: "  ", count: depth)
        out += indent + "<" + element.name
        for attribute in element.attributes {
            out += " " + attribute.name + "='" + escape(attribute.value) + "'"
        }
        let hasElements = element.children.contains { node in
            switch node {
            case .text, .cdata: false
            default: true
            }
        }
        let text = element.textContent
        if !hasElements {
            if text.allSatisfy(\.isWhitespace) || text.isEmpty {
                out += keepOpen(element) ? ">\n" + indent + "</" + element.name + ">\n" : "/>\n"
            } else {
                out += ">" + escape(text) + "</" + element.name + ">\n"
            }
            return
        }
        out += ">\n"
        for child in element.children {
            switch child {
            case .element(let e): write(e, depth: depth + 1, into: &out, keepOpen: keepOpen)
            case .comment(let c): out += indent + "  <!--" + c + "-->\n"
            case .processingInstruction(let target, let data): out += indent + "  " + processingInstruction(target, data) + "\n"
            case .text(let t), .cdata(let t):
                if !t.allSatisfy(\.isWhitespace) { out += indent + "  " + escape(t.trimmingWhitespace()) + "\n" }
            }
        }
        out += indent + "</" + element.name + ">\n"
    }

    /// `<?target data?>`, or `<?target?>` without data, as libxml2 writes one.
    static func processingInstruction(_ target: String, _ data: String?) -> String {
        "<?" + target + (data.map { " " + $0 } ?? "") + "?>"
    }

    /// libvirt's virBufferEscapeString: `<`, `>`, `&`, `'` and `"` become entities, and control
    /// characters other than tab, newline and carriage return are dropped (they cannot appear in
    /// XML 1.0 at all).
    public static func escape(_ s: String) -> String {
        s.escaping { scalar in
            switch scalar {
            case "<": "&lt;"
            case ">": "&gt;"
            case "&": "&amp;"
            case "'": "&apos;"
            case "\"": "&quot;"
            case "\t", "\n", "\r": nil
            default: scalar.value < 0x20 ? "" : nil
            }
        }
    }
}

extension String {
    /// Each scalar replaced by what `replacement` gives for it, kept when it gives nil: the one
    /// loop behind every writer's escaping.
    func escaping(_ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            if let replaced = replacement(scalar) { out += replaced } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
