import PatchbayModel

/// `net-update` on a definition, following libvirt's virNetworkDefUpdateSection
/// (src/conf/network_conf.c, libvirt 11): the sections it can change, how entries are matched,
/// and what it refuses. Pure, and all or nothing: a refused update throws and the definition
/// passed in is untouched.
///
/// This is the section step only. libvirt's virNetworkObjUpdate (src/conf/virnetworkobj.c)
/// then formats the result and parses it again, so rules of the whole document (one forward
/// interface for nat, no duplicate reservations, ...) apply after it; the engine does that by
/// validating what this returns.
public enum NetworkUpdater {
    public typealias Command = NetworkUpdateRequest.Command
    public typealias Section = NetworkUpdateRequest.Section

    public static func apply(_ command: Command, section: Section, xml: String, parentIndex: Int?,
                             to definition: NetworkDefinition) throws(NetworkXMLError) -> NetworkDefinition {
        let element: XMLElement
        do { element = try XMLTreeParser.parse(xml) } catch {
            throw NetworkXMLError("malformed XML for section '\(section.rawValue)': \(error.message)", position: error.position)
        }
        var def = definition
        let node = ElementReader(element)
        switch section {
        // virNetworkDefUpdateBridge, ...Domain, ...IP, ...Forward, ...ForwardPF: not supported.
        case .bridge, .domain, .ip, .forward:
            throw NetworkXMLError("can't update '\(section.rawValue)' section of network '\(def.name)'")
        case .forwardPF:
            throw NetworkXMLError("can't update 'forward pf' section of network '\(def.name)'")
        case .ipDHCPHost: try updateDHCPHost(command, node, parentIndex: parentIndex, in: &def)
        case .ipDHCPRange: try updateDHCPRange(command, node, parentIndex: parentIndex, in: &def)
        case .forwardInterface: try updateForwardInterface(command, node, in: &def)
        case .portgroup: try updatePortGroup(command, node, in: &def)
        case .dnsHost: try updateDNSHost(command, node, in: &def)
        case .dnsTXT: try updateDNSTXT(command, node, in: &def)
        case .dnsSRV: try updateDNSSRV(command, node, in: &def)
        }
        return def
    }

    /// virNetworkDefUpdateCheckElementName.
    static func expect(_ node: ElementReader, _ name: String, _ def: NetworkDefinition) throws(NetworkXMLError) {
        guard node.name == name else {
            throw NetworkXMLError("unexpected element <\(node.name)>, expecting <\(name)>, while updating network '\(def.name)'",
                                  element: node.name, position: node.position)
        }
    }

    /// virsh's `add` is `add-last`.
    static func isAdd(_ command: Command) -> Bool { command == .add || command == .addFirst || command == .addLast }

    /// VIR_INSERT_ELEMENT at 0 for add-first, at the end otherwise.
    static func insert<T>(_ item: T, into array: inout [T], _ command: Command) {
        if command == .addFirst { array.insert(item, at: 0) } else { array.append(item) }
    }

    /// The message libvirt gives for the sections whose entries have no modify.
    static func noModify(_ what: String, element: String) -> NetworkXMLError {
        NetworkXMLError("\(what) cannot be modified, only added or deleted", element: element)
    }
}
