import PatchbayModel

/// Text that is not well-formed XML (or uses what Patchbay refuses, such as a DTD), with where.
public struct XMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var position: SourcePosition

    public init(_ message: String, at position: SourcePosition) {
        self.message = message
        self.position = position
    }

    public var description: String { "\(position): \(message)" }
}
