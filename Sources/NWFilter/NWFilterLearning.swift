import PatchbayModel

/// The rules of a port whose filter needs `$IP` before the guest has one, as libvirt's learning
/// phases have them, until the address is known and the full filter replaces them.
public enum NWFilterLearning {
    /// libvirt's applyDHCPOnlyRules (CTRL_IP_LEARNING=dhcp): the guest may ask for a lease from
    /// its own MAC, only the network's DHCP servers may answer, everything else is dropped.
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

    /// libvirt's applyBasicRules (CTRL_IP_LEARNING=any, while the first address is learnt from
    /// the guest's own traffic): from the guest, only its own MAC, and only IPv4 and ARP; to
    /// it, anything.
    public static func basic(mac: MACAddress) throws(NWFilterInstantiationError) -> [NWFilterInstantiatedRule] {
        let text = """
            <filter name='patchbay-traffic-learning'>
              <rule action='drop' direction='out' priority='-500'><mac match='no' srcmacaddr='$MAC'/></rule>
              <rule action='accept' direction='out' priority='-400'><mac protocolid='ipv4'/></rule>
              <rule action='accept' direction='out' priority='-400'><mac protocolid='arp'/></rule>
              <rule action='drop' direction='out' priority='1000'/>
            </filter>
            """
        guard let filter = try? NWFilterXMLParser.parse(text) else { preconditionFailure("the traffic learning filter does not parse") }
        return try NWFilterInstantiator.instantiate(NWFilterReference(filter: filter.name, parameters: NWFilterParameters()), mac: mac,
                                                    lookup: { _ in filter })
    }
}
