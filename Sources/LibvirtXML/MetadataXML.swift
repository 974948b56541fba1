import PatchbayModel

/// `<metadata>` as libvirt keeps it (virNetworkDefParseXML, src/conf/network_conf.c): the
/// subtree as libxml2 parsed it with xmlKeepBlanksDefault(0), copied out of the document with
/// xmlCopyNode and cleaned by virXMLNodeSanitizeNamespaces (src/util/virxml.c). What it keeps is
/// what `net-dumpxml` writes back (`LibXML2Writer`).
enum MetadataXML {
    /// The three steps libvirt takes, in its order: the parser drops ignorable whitespace, the
    /// copy declares on `<metadata>` every namespace its subtree uses from outside it (the
    /// `<network>` root), and sanitizing drops each direct child that has no namespace (text and
    /// comments among them) or the same namespace URI as an earlier child.
    static func read(_ metadata: XMLElement, root: XMLElement) -> XMLElement {
        var copy = metadata.removingIgnorableBlanks(preserve: false)
        var reconciled: [XMLAttribute] = []
        copy.reconcileNamespaces(original: root.namespaceDeclarations, copied: [:], into: &reconciled)
        // libxml2 holds declarations apart from attributes (nsDef), the reconciled ones after
        // the root's own.
        let declarations = copy.attributes.filter(\.isNamespaceDeclaration) + reconciled
        copy.attributes = declarations + copy.attributes.filter { !$0.isNamespaceDeclaration }
        return copy.sanitizingNamespaces()
    }
}

extension XMLElement {
    /// `xmlns:p='…'` and `xmlns='…'` on this element, by prefix.
    var namespaceDeclarations: [String: String] {
        var result: [String: String] = [:]
        for attribute in attributes where attribute.isNamespaceDeclaration {
            result[attribute.declaredPrefix] = attribute.value
        }
        return result
    }

    /// The prefix of a qualified name, "" for none.
    static func prefix(of qualifiedName: String) -> String {
        qualifiedName.firstIndex(of: ":").map { String(qualifiedName[..<$0]) } ?? ""
    }

    /// libxml2's areBlanks heuristic with no DTD (parser.c): a whitespace-only text node is
    /// ignorable unless xml:space='preserve' is in force, it is an element's only content, or
    /// text came before it in the same element (then the element is taken for mixed content).
    func removingIgnorableBlanks(preserve inherited: Bool) -> XMLElement {
        var copy = self
        let preserve: Bool
        switch attribute("xml:space") {
        case "preserve": preserve = true
        case "default": preserve = false
        default: preserve = inherited
        }
        var kept: [XMLNode] = []
        for (index, node) in children.enumerated() {
            switch node {
            case .element(let child):
                kept.append(.element(child.removingIgnorableBlanks(preserve: preserve)))
            case .text(let text) where !preserve && text.unicodeScalars.allSatisfy({ " \t\n\r".unicodeScalars.contains($0) }):
                let onlyContent = kept.isEmpty && index == children.count - 1
                let afterText = kept.last.map(\.isText) == true || kept.first.map(\.isText) == true
                if onlyContent || afterText { kept.append(node) }
            default:
                kept.append(node)
            }
        }
        copy.children = kept
        return copy
    }

    /// xmlStaticCopyNode and xmlCopyProp (tree.c): a prefix the copy cannot resolve within
    /// itself but the original resolves outside it is declared on the copy's root, once, in the
    /// order the copy meets them. `original` and `copied` map the prefixes in scope to URIs.
    mutating func reconcileNamespaces(original: [String: String], copied: [String: String], into reconciled: inout [XMLAttribute]) {
        attributes = attributes.filter(\.isNamespaceDeclaration) + attributes.filter { !$0.isNamespaceDeclaration }
        let own = namespaceDeclarations
        let originalScope = original.merging(own) { _, inner in inner }
        let copiedScope = copied.merging(own) { _, inner in inner }
        let used = [XMLElement.prefix(of: name)]
            + attributes.filter { !$0.isNamespaceDeclaration && $0.name.contains(":") }.map { XMLElement.prefix(of: $0.name) }
        for prefix in used where prefix != "xml" && copiedScope[prefix] == nil && !reconciled.contains(where: { $0.declaredPrefix == prefix }) {
            guard let uri = originalScope[prefix], !uri.isEmpty else { continue }
            reconciled.append(XMLAttribute(name: prefix.isEmpty ? "xmlns" : "xmlns:" + prefix, value: uri))
        }
        for index in children.indices {
            guard case .element(var child) = children[index] else { continue }
            child.reconcileNamespaces(original: originalScope, copied: copiedScope, into: &reconciled)
            children[index] = .element(child)
        }
    }

    /// virXMLNodeSanitizeNamespaces: only direct children with a namespace stay, the first for
    /// each namespace URI.
    func sanitizingNamespaces() -> XMLElement {
        var copy = self
        let scope = namespaceDeclarations
        var seen: Set<String> = []
        copy.children = children.filter { node in
            guard case .element(let child) = node else { return false }
            let childScope = scope.merging(child.namespaceDeclarations) { _, inner in inner }
            guard let uri = childScope[XMLElement.prefix(of: child.name)], !uri.isEmpty else { return false }
            return seen.insert(uri).inserted
        }
        return copy
    }
}

extension XMLAttribute {
    /// The prefix an `xmlns`/`xmlns:p` attribute declares ("" for the default namespace).
    var declaredPrefix: String { name == "xmlns" ? "" : String(name.dropFirst("xmlns:".count)) }
}

extension XMLNode {
    var isText: Bool { if case .text = self { true } else { false } }
}
