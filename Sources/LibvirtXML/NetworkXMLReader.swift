import PatchbayModel

/// Reads a libvirt `<network>` document into the fields the engine acts on, and completes it the
/// way libvirt's define does (UUID, bridge name, STP defaults, bridge MAC).
///
/// This is the first-slice reader: it checks the elements it uses strictly and carries every
/// other element through unchanged in the tree, so nothing a user wrote is lost.
public enum NetworkXMLReader {
    /// A parsed document: the typed fields plus the tree they came from.
    public struct Document: Sendable {
        public var tree: XMLElement
        public var name: String
        public var uuid: NetworkUUID?
        public var forwardMode: ForwardMode
        /// The `<bridge name>` as written; nil or a template containing "%d" means "choose one".
        public var bridgeName: String?
        public var stp: Bool
        public var delay: Int
        public var mtu: Int?
        public var mac: MACAddress?
        public var addresses: [InterfaceAddress]

        /// Whether define must pick the bridge name.
        public var needsBridgeName: Bool {
            forwardMode.createsBridge && (bridgeName == nil || bridgeName!.contains("%d"))
        }
    }

    public static func parse(_ text: String) throws(NetworkXMLError) -> Document {
        let root: XMLElement
        do { root = try XMLTreeParser.parse(text) } catch {
            throw NetworkXMLError("malformed XML: \(error.message)", position: error.position)
        }
        guard root.name == "network" else {
            throw NetworkXMLError("the root element must be <network>, not <\(root.name)>", position: root.position)
        }
        let name = try readName(root)
        let uuid = try root.firstChild(named: "uuid").map { element throws(NetworkXMLError) in
            let text = element.textContent
            guard let uuid = NetworkUUID(text) else {
                throw NetworkXMLError("malformed UUID", element: "uuid", value: text, position: element.position)
            }
            return uuid
        }
        let forwardMode = try readForwardMode(root)
        let bridge = root.firstChild(named: "bridge")
        let bridgeName = try bridge.flatMap { element throws(NetworkXMLError) in try readBridgeName(element) }
        let stp = try bridge.flatMap { element throws(NetworkXMLError) in try readOnOff(element, "stp") } ?? true
        let delay = try bridge.flatMap { element throws(NetworkXMLError) in
            try readUnsigned(element, "delay", range: 0...4_294_967)
        } ?? 0
        let mtu = try root.firstChild(named: "mtu").map { element throws(NetworkXMLError) in
            guard let size = try readUnsigned(element, "size", range: 68...65535) else {
                throw NetworkXMLError("missing MTU size", element: "mtu", attribute: "size", position: element.position)
            }
            return size
        }
        let mac = try root.firstChild(named: "mac").map { element throws(NetworkXMLError) in try readMAC(element) }
        var addresses: [InterfaceAddress] = []
        for ip in root.children(named: "ip") { addresses.append(try readIP(ip)) }
        return Document(tree: root, name: name, uuid: uuid, forwardMode: forwardMode, bridgeName: bridgeName, stp: stp,
                        delay: delay, mtu: mtu, mac: mac, addresses: addresses)
    }

    /// Completes a parsed document as libvirt's define does and formats it. Values that the
    /// document already has are kept; the arguments fill only what is missing.
    public static func complete(_ document: Document, uuid: NetworkUUID, bridgeName: String?, mac: MACAddress?) -> NetworkDefinition {
        var tree = document.tree
        let finalUUID = document.uuid ?? uuid
        if document.uuid == nil {
            tree.insert(XMLElement(name: "uuid", children: [.text(finalUUID.description)]),
                        after: ["name"])
        }
        var bridge: BridgeSettings?
        var finalMAC = document.mac
        if document.forwardMode.createsBridge {
            let name = document.needsBridgeName ? (bridgeName ?? "virbr0") : document.bridgeName!
            bridge = BridgeSettings(name: name, stp: document.stp, delay: document.delay)
            var element = tree.firstChild(named: "bridge") ?? XMLElement(name: "bridge")
            var attributes = [XMLAttribute(name: "name", value: name, position: .init(line: 0, column: 0)),
                              XMLAttribute(name: "stp", value: document.stp ? "on" : "off", position: .init(line: 0, column: 0)),
                              XMLAttribute(name: "delay", value: String(document.delay), position: .init(line: 0, column: 0))]
            attributes += element.attributes.filter { !["name", "stp", "delay"].contains($0.name) }
            element.attributes = attributes
            tree.replaceOrInsert(element, after: ["name", "uuid", "title", "description", "metadata", "forward"])
            if finalMAC == nil, let mac {
                finalMAC = mac
                tree.insert(XMLElement(name: "mac", attributes: [XMLAttribute(name: "address", value: mac.description,
                                                                              position: .init(line: 0, column: 0))]),
                            after: ["name", "uuid", "title", "description", "metadata", "forward", "bridge", "mtu"])
            } else if let finalMAC, var element = tree.firstChild(named: "mac") {
                element.setAttribute("address", finalMAC.description)
                tree.replaceOrInsert(element, after: [])
            }
        } else if let name = document.bridgeName {
            bridge = BridgeSettings(name: name, stp: document.stp, delay: document.delay)
        }
        let xml = XMLWriter.format(tree, keepOpen: { $0.name == "ip" })
        return NetworkDefinition(name: document.name, uuid: finalUUID, forwardMode: document.forwardMode, bridge: bridge,
                                 mtu: document.mtu, mac: finalMAC, addresses: document.addresses, xml: xml)
    }

    // MARK: - Elements

    private static func readName(_ root: XMLElement) throws(NetworkXMLError) -> String {
        guard let element = root.firstChild(named: "name") else {
            throw NetworkXMLError("missing network name", element: "name", position: root.position)
        }
        let name = element.textContent
        guard !name.isEmpty else {
            throw NetworkXMLError("network name must not be empty", element: "name", position: element.position)
        }
        guard !name.contains("/") else {
            throw NetworkXMLError("network name cannot contain '/'", element: "name", value: name, position: element.position)
        }
        guard name.utf8.count <= 255, !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw NetworkXMLError("network name must be at most 255 bytes without control characters", element: "name",
                                  value: name, position: element.position)
        }
        return name
    }

    private static func readForwardMode(_ root: XMLElement) throws(NetworkXMLError) -> ForwardMode {
        guard let forward = root.firstChild(named: "forward") else { return .none }
        guard let text = forward.attribute("mode") else { return .nat }
        guard let mode = ForwardMode(rawValue: text), mode != .none else {
            throw NetworkXMLError("unknown forwarding type; expected one of nat, route, open, bridge, private, vepa, passthrough, hostdev",
                                  element: "forward", attribute: "mode", value: text, position: forward.position)
        }
        return mode
    }

    /// Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', ':' or whitespace,
    /// not "." or "..": the kernel's dev_valid_name.
    static func readBridgeName(_ element: XMLElement) throws(NetworkXMLError) -> String? {
        guard let name = element.attribute("name") else { return nil }
        let concrete = name.replacingTemplate()
        guard !name.isEmpty, concrete.utf8.count <= 15, name != ".", name != "..",
              !name.unicodeScalars.contains(where: { $0 == "/" || $0 == ":" || $0.properties.isWhitespace || $0.value < 0x20 }) else {
            throw NetworkXMLError("invalid bridge name: at most 15 bytes, without '/', ':' or whitespace", element: "bridge",
                                  attribute: "name", value: name, position: element.position)
        }
        return name
    }

    private static func readOnOff(_ element: XMLElement, _ attribute: String) throws(NetworkXMLError) -> Bool? {
        guard let value = element.attribute(attribute) else { return nil }
        switch value {
        case "on": return true
        case "off": return false
        default:
            throw NetworkXMLError("expected 'on' or 'off'", element: element.name, attribute: attribute, value: value,
                                  position: element.position)
        }
    }

    private static func readUnsigned(_ element: XMLElement, _ attribute: String, range: ClosedRange<Int>) throws(NetworkXMLError) -> Int? {
        guard let value = element.attribute(attribute) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            throw NetworkXMLError("expected an integer from \(range.lowerBound) to \(range.upperBound)", element: element.name,
                                  attribute: attribute, value: value, position: element.position)
        }
        return number
    }

    private static func readMAC(_ element: XMLElement) throws(NetworkXMLError) -> MACAddress {
        guard let text = element.attribute("address") else {
            throw NetworkXMLError("missing address", element: "mac", attribute: "address", position: element.position)
        }
        guard let mac = MACAddress(text) else {
            throw NetworkXMLError("malformed MAC address", element: "mac", attribute: "address", value: text, position: element.position)
        }
        guard !mac.isMulticast else {
            throw NetworkXMLError("a bridge MAC address must not be multicast", element: "mac", attribute: "address", value: text,
                                  position: element.position)
        }
        return mac
    }

    private static func readIP(_ element: XMLElement) throws(NetworkXMLError) -> InterfaceAddress {
        guard let text = element.attribute("address") else {
            throw NetworkXMLError("missing address", element: "ip", attribute: "address", position: element.position)
        }
        guard let address = IPAddress(text) else {
            throw NetworkXMLError("not an IP address", element: "ip", attribute: "address", value: text, position: element.position)
        }
        if let family = element.attribute("family") {
            guard family == "ipv4" || family == "ipv6" else {
                throw NetworkXMLError("expected 'ipv4' or 'ipv6'", element: "ip", attribute: "family", value: family,
                                      position: element.position)
            }
            guard (family == "ipv4") == address.isIPv4 else {
                throw NetworkXMLError("address does not match family '\(family)'", element: "ip", attribute: "address",
                                      value: text, position: element.position)
            }
        }
        let netmask = element.attribute("netmask")
        let prefix = element.attribute("prefix")
        if netmask != nil && prefix != nil {
            throw NetworkXMLError("netmask and prefix cannot both be given", element: "ip", attribute: "prefix",
                                  value: prefix, position: element.position)
        }
        var length: Int
        if let netmask {
            guard address.isIPv4 else {
                throw NetworkXMLError("netmask is only valid for IPv4; use prefix", element: "ip", attribute: "netmask",
                                      value: netmask, position: element.position)
            }
            guard let mask = IPv4Address(netmask), let bits = mask.netmaskPrefixLength else {
                throw NetworkXMLError("not a contiguous IPv4 netmask", element: "ip", attribute: "netmask", value: netmask,
                                      position: element.position)
            }
            length = bits
        } else if let prefix {
            guard let bits = Int(prefix), (0...address.maxPrefixLength).contains(bits) else {
                throw NetworkXMLError("expected a prefix length from 0 to \(address.maxPrefixLength)", element: "ip",
                                      attribute: "prefix", value: prefix, position: element.position)
            }
            length = bits
        } else if case .v4(let v4) = address {
            // libvirt's virSocketAddrPrefix falls back to the classful default.
            let first = v4.value >> 24
            length = first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 32
        } else {
            length = 64
        }
        return InterfaceAddress(address: address, prefixLength: length)!
    }
}

extension String {
    /// "virbr%d" → "virbr0" for length checks; libvirt replaces %d with the first free number.
    func replacingTemplate() -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: "%d") {
            result += rest[..<range.lowerBound] + "0"
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    fileprivate func range(of needle: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
            index = self.index(after: index)
        }
        return nil
    }
}

extension XMLElement {
    /// Inserts `child` after the last existing child element whose name is in `predecessors`
    /// (or first, when none is), keeping libvirt's element order.
    mutating func insert(_ child: XMLElement, after predecessors: [String]) {
        var position = 0
        for (index, node) in children.enumerated() {
            if case .element(let element) = node, predecessors.contains(element.name) { position = index + 1 }
        }
        children.insert(.element(child), at: position)
    }

    /// Replaces the first child element with the same name, or inserts it as `insert` does.
    mutating func replaceOrInsert(_ child: XMLElement, after predecessors: [String]) {
        if let index = children.firstIndex(where: { if case .element(let e) = $0 { e.name == child.name } else { false } }) {
            children[index] = .element(child)
        } else {
            insert(child, after: predecessors)
        }
    }
}
