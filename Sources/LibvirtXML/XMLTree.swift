/// Where a node starts in the source text: 1-based line, and column in Unicode scalars.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column)" }
}

public struct XMLAttribute: Sendable, Hashable {
    public var name: String
    public var value: String
    public var position: SourcePosition

    public init(name: String, value: String, position: SourcePosition = .init(line: 0, column: 0)) {
        self.name = name
        self.value = value
        self.position = position
    }
}

public enum XMLNode: Sendable, Hashable {
    case element(XMLElement)
    case text(String)
    case comment(String)
}

/// An element with its attributes in document order and its children, each with the position
/// it was read from, so that validation errors can point at the line a user has to fix.
public struct XMLElement: Sendable, Hashable {
    /// The qualified name as written, e.g. "dnsmasq:options".
    public var name: String
    public var attributes: [XMLAttribute]
    public var children: [XMLNode]
    public var position: SourcePosition

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

    /// The concatenated text of the direct text children.
    public var textContent: String {
        children.map { if case .text(let t) = $0 { t } else { "" } }.joined()
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
