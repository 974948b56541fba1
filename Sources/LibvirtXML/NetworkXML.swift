import PatchbayModel

/// The three steps together, the way callers use them.
public enum NetworkXML {
    /// Parse and validate. `.document` is what libvirt's own XML tests exercise; `.define` is
    /// what `net-define` enforces.
    public static func read(_ text: String, level: NetworkValidator.Level = .define,
                            generateUUID: () -> NetworkUUID = { NetworkUUID.random() }) throws(NetworkXMLError) -> ParsedNetwork {
        let parsed = try NetworkXMLParser.parse(text, generateUUID: generateUUID)
        try NetworkValidator.validate(parsed, level: level)
        return parsed
    }

    public static func format(_ definition: NetworkDefinition, inactive: Bool = false) -> String {
        NetworkXMLFormatter.format(definition, options: inactive ? .inactive : [])
    }
}
