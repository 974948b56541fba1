/// Where a node starts in the source text: 1-based line, and column in Unicode scalars.
public struct SourcePosition: Sendable, Hashable, Codable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column)" }
}

public struct XMLAttribute: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    /// Where it was read; not part of equality (the same attribute read from two files is equal).
    public var position: SourcePosition

    public static func == (lhs: XMLAttribute, rhs: XMLAttribute) -> Bool { lhs.name == rhs.name && lhs.value == rhs.value }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(value)
    }

    public init(name: String, value: String, position: SourcePosition = .init(line: 0, column: 0)) {
        self.name = name
        self.value = value
        self.position = position
    }
}

public indirect enum XMLNode: Sendable, Hashable, Codable {
    case element(XMLElement)
    case text(String)
    case comment(String)
    /// `<![CDATA[…]]>`: text to everything that reads values, kept apart so that foreign XML
    /// (`<metadata>`) is written back as it came, as libxml2 does.
    case cdata(String)
    /// `<?target data?>` inside an element, kept for the same reason; `data` is nil for
    /// `<?target?>`.
    case processingInstruction(target: String, data: String?)
}

/// An element with its attributes in document order and its children, each with the position
/// it was read from, so that validation errors can point at the line a user has to fix.
///
/// The tree types live in the model (the parser and writer are in LibvirtXML) because a network
/// definition carries one verbatim: `<metadata>`, which belongs to the user's tools.
public struct XMLElement: Sendable, Hashable, Codable {
    /// The qualified name as written, e.g. "dnsmasq:options".
    public var name: String
    public var attributes: [XMLAttribute]
    public var children: [XMLNode]
    /// Where it was read; not part of equality.
    public var position: SourcePosition

    public static func == (lhs: XMLElement, rhs: XMLElement) -> Bool {
        lhs.name == rhs.name && lhs.attributes == rhs.attributes && lhs.children == rhs.children
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(attributes)
        hasher.combine(children)
    }

    public init(name: String, attributes: [XMLAttribute] = [], children: [XMLNode] = [],
                position: SourcePosition = .init(line: 0, column: 0)) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.position = position
    }

    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    public var childElements: [XMLElement] {
        children.compactMap { if case .element(let e) = $0 { e } else { nil } }
    }

    public func children(named name: String) -> [XMLElement] {
        childElements.filter { $0.name == name }
    }

    public func firstChild(named name: String) -> XMLElement? {
        childElements.first { $0.name == name }
    }

    /// The concatenated text of the direct text and CDATA children.
    public var textContent: String {
        children.map { node in
            switch node {
            case .text(let t), .cdata(let t): t
            default: ""
            }
        }.joined()
    }

    /// Replaces the value in place (keeping the attribute's position in the order) or appends.
    public mutating func setAttribute(_ name: String, _ value: String) {
        if let index = attributes.firstIndex(where: { $0.name == name }) {
            attributes[index].value = value
        } else {
            attributes.append(XMLAttribute(name: name, value: value))
        }
    }

    public mutating func removeAttribute(_ name: String) {
        attributes.removeAll { $0.name == name }
    }
}
