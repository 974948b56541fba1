import PatchbayModel

/// A network definition that libvirt would reject, with where and why: the element, the
/// attribute and the value at fault, and the line and column when the text is at hand.
public struct NetworkXMLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var element: String?
    public var attribute: String?
    public var value: String?
    public var position: SourcePosition?

    public init(_ message: String, element: String? = nil, attribute: String? = nil, value: String? = nil,
                position: SourcePosition? = nil) {
        self.message = message
        self.element = element
        self.attribute = attribute
        self.value = value
        self.position = position
    }

    public var description: String {
        var text = ""
        if let position, position.line > 0 { text += "line \(position.line), column \(position.column): " }
        if let element {
            text += "<\(element)>"
            if let attribute { text += " attribute '\(attribute)'" }
            if let value { text += " value '\(value)'" }
            text += ": "
        }
        return text + message
    }
}
