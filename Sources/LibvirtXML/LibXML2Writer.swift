import PatchbayModel

/// Writes a tree as libxml2's xmlNodeDump does with formatting on and xmlIndentTreeOutput set,
/// which is how libvirt writes the foreign XML it keeps (`<metadata>`, virXMLFormatMetadata in
/// src/util/virxml.c). It differs from libvirt's own elements (`XMLWriter`, virBuffer) in ways
/// that show in a diff: attribute values in double quotes with libxml2's escapes, namespace
/// declarations before the other attributes, and no indentation at all inside an element that
/// has text among its children (libxml2 turns formatting off there, xmlsave.c
/// xmlNodeDumpOutputInternal).
///
/// One deliberate difference: a namespace URI is escaped. libxml2 writes it as it is
/// (xmlBufWriteQuotedString), so a URI with `&` or `<` in it would not read back.
public enum LibXML2Writer {
    /// libxml2 indents two spaces a level but at most 30 levels (MAX_INDENT / indent_size).
    static let maximumIndentLevels = 30

    /// `level` is the depth the element starts at: its children are indented from there. The
    /// first line is not indented and there is no newline at the end; the caller places the
    /// text as libvirt does (virBuffer indents the first line, then adds the newline).
    public static func format(_ root: XMLElement, level: Int) -> String {
        var out = ""
        write(root, level: level, formatted: true, isRoot: true, into: &out)
        return out
    }

    private static func indent(_ level: Int) -> String {
        String(repeating: "  ", count: min(max(level, 0), maximumIndentLevels))
    }

    private static func write(_ element: XMLElement, level: Int, formatted: Bool, isRoot: Bool, into out: inout String) {
        if formatted && !isRoot { out += indent(level) }
        out += "<" + element.name
        // xmlNsListDumpOutput writes the element's declarations before its attributes.
        let declarations = element.attributes.filter(\.isNamespaceDeclaration)
        for declaration in declarations {
            out += " " + declaration.name + "=" + quotedNamespace(declaration.value)
        }
        for attribute in element.attributes where !attribute.isNamespaceDeclaration {
            out += " " + attribute.name + "=\"" + escapeAttribute(attribute.value) + "\""
        }
        guard !element.children.isEmpty else {
            out += "/>"
            return
        }
        // xmlNodeDumpOutputInternal: text or CDATA among the children turns formatting off.
        let childrenFormatted = formatted && !element.children.contains { node in
            switch node {
            case .text, .cdata: true
            default: false
            }
        }
        out += childrenFormatted ? ">\n" : ">"
        for child in element.children {
            switch child {
            case .element(let e):
                write(e, level: level + 1, formatted: childrenFormatted, isRoot: false, into: &out)
            case .text(let t):
                out += escapeText(t)
            case .comment(let c):
                if childrenFormatted { out += indent(level + 1) }
                out += "<!--" + c + "-->"
            case .cdata(let c):
                out += "<![CDATA[" + c + "]]>"
            case .processingInstruction(let target, let data):
                if childrenFormatted { out += indent(level + 1) }
                out += XMLWriter.processingInstruction(target, data)
            }
            if childrenFormatted { out += "\n" }
        }
        if childrenFormatted { out += indent(level) }
        out += "</" + element.name + ">"
    }

    /// xmlEscapeContent: text keeps quotes and non-ASCII as they are.
    public static func escapeText(_ text: String) -> String {
        text.escaping { scalar in
            switch scalar {
            case "<": "&lt;"
            case ">": "&gt;"
            case "&": "&amp;"
            case "\r": "&#13;"
            default: nil
            }
        }
    }

    /// xmlBufAttrSerializeTxtContent for a node without a document, as libvirt's copy of
    /// `<metadata>` is (xmlCopyNode): whitespace as character references, and every non-ASCII
    /// character as a hexadecimal one, since no output encoding is known.
    public static func escapeAttribute(_ value: String) -> String {
        value.escaping { scalar in
            switch scalar {
            case "<": "&lt;"
            case ">": "&gt;"
            case "&": "&amp;"
            case "\"": "&quot;"
            case "\n": "&#10;"
            case "\r": "&#13;"
            case "\t": "&#9;"
            default: scalar.isASCII ? nil : "&#x" + String(scalar.value, radix: 16, uppercase: true) + ";"
            }
        }
    }

    /// xmlBufWriteQuotedString: double quotes, or single ones when the URI holds a double quote
    /// and no single one, or double with `&quot;` when it holds both.
    static func quotedNamespace(_ uri: String) -> String {
        let safe = uri.replacingOccurrences("&", with: "&amp;").replacingOccurrences("<", with: "&lt;")
        guard safe.contains("\"") else { return "\"" + safe + "\"" }
        guard safe.contains("'") else { return "'" + safe + "'" }
        return "\"" + safe.replacingOccurrences("\"", with: "&quot;") + "\""
    }
}

extension XMLAttribute {
    /// `xmlns` or `xmlns:PREFIX`: a namespace declaration, not an attribute, to libxml2.
    var isNamespaceDeclaration: Bool { name == "xmlns" || name.hasPrefix("xmlns:") }
}
