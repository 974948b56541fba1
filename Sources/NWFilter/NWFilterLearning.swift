import PatchbayModel

/// The rules of a port whose filter needs `$IP` before the guest has one: libvirt's
/// applyDHCPOnlyRules (CTRL_IP_LEARNING=dhcp). The guest may ask for a lease from its own MAC,
/// only the network's DHCP servers may answer, and everything else is dropped until the lease
/// is granted and the full filter replaces these rules.
public enum NWFilterLearning {
    public static func dhcpOnly(mac: MACAddress, servers: [String]) throws(NWFilterInstantiationError) -> [NWFilterInstantiatedRule] {
        var text = """
            <filter name='patchbay-dhcp-learning'>
              <rule action='accept' direction='out' priority='100'>
                <ip srcmacaddr='$MAC' protocol='udp' srcportstart='68' dstportstart='67'/>
              </rule>
            """
        for destination in ["$MAC", "ff:ff:ff:ff:ff:ff"] {
            let source = servers.isEmpty ? "" : " srcipaddr='$DHCPSERVER'"
            text += """
                <rule action='accept' direction='in' priority='100'>
                  <ip dstmacaddr='\(destination)'\(source) protocol='udp' srcportstart='67' dstportstart='68'/>
                </rule>
                """
        }
        text += "<rule action='drop' direction='inout' priority='1000'/></filter>"
        // A constant document: it parses, or the build is broken.
        guard let filter = try? NWFilterXMLParser.parse(text) else { preconditionFailure("the DHCP learning filter does not parse") }
        var parameters = NWFilterParameters()
        if !servers.isEmpty { parameters.set("DHCPSERVER", to: servers) }
        return try NWFilterInstantiator.instantiate(NWFilterReference(filter: filter.name, parameters: parameters), mac: mac,
                                                    lookup: { _ in filter })
    }
}
