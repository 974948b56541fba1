import PatchbayModel

/// Typed access to one element's attributes, every failure becoming a `NetworkXMLError` that
/// names the element, the attribute, the offending value and where it is.
struct ElementReader {
    let element: XMLElement

    init(_ element: XMLElement) { self.element = element }

    var name: String { element.name }
    var position: SourcePosition { element.position }

    func error(_ message: String, attribute: String? = nil, value: String? = nil) -> NetworkXMLError {
        let at = attribute.flatMap { a in element.attributes.first { $0.name == a }?.position } ?? element.position
        return NetworkXMLError(message, element: element.name, attribute: attribute, value: value, position: at)
    }

    func string(_ attribute: String) -> String? { element.attribute(attribute) }

    func required(_ attribute: String) throws(NetworkXMLError) -> String {
        guard let value = element.attribute(attribute) else {
            throw error("missing required attribute", attribute: attribute)
        }
        return value
    }

    /// libvirt's tristate booleans: "yes" or "no", nil when absent.
    func yesNo(_ attribute: String) throws(NetworkXMLError) -> Bool? {
        guard let value = string(attribute) else { return nil }
        switch value {
        case "yes": return true
        case "no": return false
        default: throw error("expected 'yes' or 'no'", attribute: attribute, value: value)
        }
    }

    func onOff(_ attribute: String) throws(NetworkXMLError) -> Bool? {
        guard let value = string(attribute) else { return nil }
        switch value {
        case "on": return true
        case "off": return false
        default: throw error("expected 'on' or 'off'", attribute: attribute, value: value)
        }
    }

    /// A decimal unsigned integer no larger than `maximum`.
    func unsigned(_ attribute: String, maximum: UInt64 = UInt64(UInt32.max)) throws(NetworkXMLError) -> UInt64? {
        guard let value = string(attribute) else { return nil }
        guard let number = parseDecimal(value), number <= maximum else {
            throw error("expected an unsigned integer no larger than \(maximum)", attribute: attribute, value: value)
        }
        return number
    }

    /// An unsigned integer in C's base-0 notation (0x hex, leading-0 octal, else decimal), as
    /// libvirt reads PCI addresses and virtual port parameters.
    func cInteger(_ attribute: String, maximum: UInt64) throws(NetworkXMLError) -> UInt64? {
        guard let value = string(attribute) else { return nil }
        let parsed: UInt64?
        if value.hasPrefix("0x") || value.hasPrefix("0X") {
            parsed = value.count > 2 ? UInt64(value.dropFirst(2), radix: 16) : nil
        } else if value.hasPrefix("0") && value.count > 1 {
            parsed = UInt64(value.dropFirst(), radix: 8)
        } else {
            parsed = parseDecimal(value)
        }
        guard let parsed, parsed <= maximum else {
            throw error("expected an integer no larger than \(maximum)", attribute: attribute, value: value)
        }
        return parsed
    }

    func ip(_ attribute: String) throws(NetworkXMLError) -> IPAddress? {
        guard let value = string(attribute) else { return nil }
        guard let address = IPAddress(value) else { throw error("not an IP address", attribute: attribute, value: value) }
        return address
    }

    func ipv4(_ attribute: String) throws(NetworkXMLError) -> IPv4Address? {
        guard let value = string(attribute) else { return nil }
        guard let address = IPv4Address(value) else { throw error("not an IPv4 address", attribute: attribute, value: value) }
        return address
    }

    func mac(_ attribute: String) throws(NetworkXMLError) -> MACAddress? {
        guard let value = string(attribute) else { return nil }
        guard let mac = MACAddress(value) else { throw error("not a MAC address", attribute: attribute, value: value) }
        return mac
    }

    func uuid(_ attribute: String) throws(NetworkXMLError) -> NetworkUUID? {
        guard let value = string(attribute) else { return nil }
        guard let uuid = NetworkUUID(value) else { throw error("not a UUID", attribute: attribute, value: value) }
        return uuid
    }

    func enumeration<T: RawRepresentable & CaseIterable>(_ attribute: String, _ type: T.Type) throws(NetworkXMLError) -> T?
    where T.RawValue == String {
        guard let value = string(attribute) else { return nil }
        guard let parsed = T(rawValue: value) else {
            let allowed = T.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw error("expected one of \(allowed)", attribute: attribute, value: value)
        }
        return parsed
    }

    func child(_ name: String) -> ElementReader? { element.firstChild(named: name).map(ElementReader.init) }
    func children(_ name: String) -> [ElementReader] { element.children(named: name).map(ElementReader.init) }
}

private func parseDecimal(_ text: String) -> UInt64? {
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
    return UInt64(text)
}
