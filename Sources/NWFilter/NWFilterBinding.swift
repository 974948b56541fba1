import LibvirtXML
import PatchbayModel

/// libvirt's `<filterbinding>` (nwfilterbinding.rng, virnwfilterbindingdef.c): which filter
/// applies to which port device, for whom, with which parameters. virtqemud creates one per
/// guest interface that has a `<filterref>`; `nwfilter-binding-create` makes one by hand.
public struct NWFilterBinding: Sendable, Hashable, Codable {
    public var ownerName: String
    public var ownerUUID: NetworkUUID
    /// The host-side device the filter applies to (the TAP, veth or macvtap).
    public var portDevice: String
    /// A macvtap port's lower device.
    public var linkDevice: String?
    public var mac: MACAddress
    public var filter: NWFilterReference

    public init(ownerName: String, ownerUUID: NetworkUUID, portDevice: String, linkDevice: String? = nil, mac: MACAddress,
                filter: NWFilterReference) {
        self.ownerName = ownerName
        self.ownerUUID = ownerUUID
        self.portDevice = portDevice
        self.linkDevice = linkDevice
        self.mac = mac
        self.filter = filter
    }
}

public enum NWFilterBindingXML {
    public static func parse(_ text: String) throws(NetworkXMLError) -> NWFilterBinding {
        let root: XMLElement
        do { root = try XMLTreeParser.parse(text) } catch {
            throw NetworkXMLError("malformed XML: \(error.message)", position: error.position)
        }
        return try parse(root)
    }

    public static func parse(_ root: XMLElement) throws(NetworkXMLError) -> NWFilterBinding {
        guard root.name == "filterbinding" else {
            throw NetworkXMLError("the root element must be <filterbinding>, not <\(root.name)>", position: root.position)
        }
        guard let owner = root.firstChild(named: "owner") else {
            throw NetworkXMLError("a binding needs an <owner>", element: "owner", position: root.position)
        }
        guard let ownerName = owner.firstChild(named: "name")?.textContent, !ownerName.isEmpty else {
            throw NetworkXMLError("the owner needs a name", element: "name", position: owner.position)
        }
        guard let uuidElement = owner.firstChild(named: "uuid") else {
            throw NetworkXMLError("the owner needs a uuid", element: "uuid", position: owner.position)
        }
        guard let ownerUUID = NetworkUUID(uuidElement.textContent) else {
            throw NetworkXMLError("malformed uuid element", element: "uuid", value: uuidElement.textContent, position: uuidElement.position)
        }
        guard let portdev = root.firstChild(named: "portdev") else {
            throw NetworkXMLError("a binding needs a <portdev>", element: "portdev", position: root.position)
        }
        guard let portDevice = portdev.attribute("name"), isDeviceName(portDevice) else {
            throw NWFilterXMLParser.error(portdev, "expected a network device name (1 to 15 characters, no '/' or blanks)",
                                          attribute: "name", value: portdev.attribute("name"))
        }
        var linkDevice: String?
        if let linkdev = root.firstChild(named: "linkdev") {
            guard let name = linkdev.attribute("name"), isDeviceName(name) else {
                throw NWFilterXMLParser.error(linkdev, "expected a network device name", attribute: "name", value: linkdev.attribute("name"))
            }
            linkDevice = name
        }
        guard let macElement = root.firstChild(named: "mac") else {
            throw NetworkXMLError("a binding needs a <mac>", element: "mac", position: root.position)
        }
        guard let macText = macElement.attribute("address"), let mac = MACAddress(macText) else {
            throw NWFilterXMLParser.error(macElement, "not a MAC address", attribute: "address", value: macElement.attribute("address"))
        }
        guard let filterref = root.firstChild(named: "filterref") else {
            throw NetworkXMLError("a binding needs a <filterref>", element: "filterref", position: root.position)
        }
        return NWFilterBinding(ownerName: ownerName, ownerUUID: ownerUUID, portDevice: portDevice, linkDevice: linkDevice,
                               mac: mac, filter: try NWFilterXMLParser.parseReference(filterref))
    }

    /// virNWFilterBindingDefFormatBuf.
    public static func format(_ binding: NWFilterBinding) -> String {
        var out = "<filterbinding>\n"
        out += "  <owner>\n"
        out += "    <name>\(XMLWriter.escape(binding.ownerName))</name>\n"
        out += "    <uuid>\(binding.ownerUUID)</uuid>\n"
        out += "  </owner>\n"
        out += "  <portdev name='\(XMLWriter.escape(binding.portDevice))'/>\n"
        if let link = binding.linkDevice { out += "  <linkdev name='\(XMLWriter.escape(link))'/>\n" }
        out += "  <mac address='\(binding.mac)'/>\n"
        NWFilterXMLFormatter.formatReference(binding.filter, indent: "  ", into: &out)
        out += "</filterbinding>\n"
        return out
    }

    /// IFNAMSIZ less the terminator, and what the kernel refuses in a name.
    static func isDeviceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 15 && name != "." && name != ".."
            && !name.utf8.contains { $0 == UInt8(ascii: "/") || $0 <= 0x20 || $0 == UInt8(ascii: ":") }
    }
}
