import LibvirtXML
import PatchbayModel
import Testing

@Suite struct NetworkUpdaterTests {
    static let base = """
        <network>
          <name>default</name>
          <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>
          <forward mode='nat'/>
          <bridge name='virbr0'/>
          <dns>
            <txt name='example' value='example value'/>
            <host ip='192.168.122.2'><hostname>two</hostname></host>
          </dns>
          <ip address='192.168.122.1' netmask='255.255.255.0'>
            <dhcp>
              <range start='192.168.122.2' end='192.168.122.100'/>
              <host mac='00:16:3e:77:e2:ed' name='a' ip='192.168.122.10'/>
            </dhcp>
          </ip>
          <ip family='ipv6' address='2001:db8::1' prefix='64'/>
          <portgroup name='engineering' default='yes'/>
        </network>
        """

    var definition: NetworkDefinition { get throws { try NetworkXML.read(Self.base).definition } }

    func apply(_ command: NetworkUpdateRequest.Command, _ section: NetworkUpdateRequest.Section, _ xml: String,
               parentIndex: Int? = nil) throws -> NetworkDefinition {
        let updated = try NetworkUpdater.apply(command, section: section, xml: xml, parentIndex: parentIndex, to: try definition)
        try NetworkValidator.validate(ParsedNetwork(definition: updated), level: .define)
        return updated
    }

    @Test func dhcpHostAddFirstLastModifyDelete() throws {
        var def = try apply(.addLast, .ipDHCPHost, "<host mac='52:54:00:00:00:02' name='b' ip='192.168.122.11'/>")
        #expect(def.ips[0].dhcp.hosts.map(\.name) == ["a", "b"])
        def = try apply(.addFirst, .ipDHCPHost, "<host mac='52:54:00:00:00:03' ip='192.168.122.12'/>")
        #expect(def.ips[0].dhcp.hosts.first?.ip == IPAddress("192.168.122.12"))
        def = try apply(.modify, .ipDHCPHost, "<host mac='00:16:3e:77:e2:ed' name='a' ip='192.168.122.20'/>")
        #expect(def.ips[0].dhcp.hosts == [DHCPHost(mac: MACAddress("00:16:3e:77:e2:ed"), name: "a", ip: IPAddress("192.168.122.20"))])
        def = try apply(.delete, .ipDHCPHost, "<host name='a'/>")
        #expect(def.ips[0].dhcp.hosts.isEmpty)
    }

    @Test func dhcpHostConflictsAndMissesAreRefused() {
        let clash = #expect(throws: NetworkXMLError.self) {
            try apply(.add, .ipDHCPHost, "<host mac='00:16:3e:77:e2:ed' ip='192.168.122.50'/>")
        }
        #expect(clash?.message == "there is an existing dhcp host entry in network 'default' that matches <host mac='00:16:3e:77:e2:ed' ip='192.168.122.50'/>")
        let missing = #expect(throws: NetworkXMLError.self) { try apply(.delete, .ipDHCPHost, "<host name='zzz'/>") }
        #expect(missing?.message == "couldn't locate a matching dhcp host entry in network 'default'")
        let family = #expect(throws: NetworkXMLError.self) {
            try apply(.add, .ipDHCPHost, "<host name='v6' ip='2001:db8::5'/>", parentIndex: 0)
        }
        #expect(family?.message.contains("address family") == true)
        let outside = #expect(throws: NetworkXMLError.self) {
            try apply(.add, .ipDHCPHost, "<host name='far' ip='10.0.0.5'/>")
        }
        #expect(outside?.message == "static host address is outside network 192.168.122.1/24")
        let index = #expect(throws: NetworkXMLError.self) { try apply(.add, .ipDHCPHost, "<host name='x' ip='192.168.122.9'/>", parentIndex: 7) }
        #expect(index?.message == "couldn't update dhcp host entry - no <ip> element found at index 7 in network 'default'")
        let wrong = #expect(throws: NetworkXMLError.self) { try apply(.add, .ipDHCPHost, "<range start='1.1.1.1' end='1.1.1.2'/>") }
        #expect(wrong?.message == "unexpected element <range>, expecting <host>, while updating network 'default'")
    }

    @Test func dhcpHostOnTheIPv6Parent() throws {
        let def = try apply(.add, .ipDHCPHost, "<host id='0:3:0:1:0:16:3e:11:22:33' name='six' ip='2001:db8::20'/>", parentIndex: 1)
        #expect(def.ips[1].dhcp.hosts.count == 1)
    }

    @Test func dhcpRangeAddDeleteAndNoModify() throws {
        var def = try apply(.add, .ipDHCPRange, "<range start='192.168.122.150' end='192.168.122.200'/>")
        #expect(def.ips[0].dhcp.ranges.count == 2)
        def = try apply(.delete, .ipDHCPRange, "<range start='192.168.122.2' end='192.168.122.100'/>")
        #expect(def.ips[0].dhcp.ranges.isEmpty)
        let overlap = #expect(throws: NetworkXMLError.self) {
            try apply(.add, .ipDHCPRange, "<range start='192.168.122.50' end='192.168.122.150'/>")
        }
        #expect(overlap?.message == "range 192.168.122.50 - 192.168.122.150 overlaps range 192.168.122.2 - 192.168.122.100")
        let modify = #expect(throws: NetworkXMLError.self) {
            try apply(.modify, .ipDHCPRange, "<range start='192.168.122.2' end='192.168.122.100'/>")
        }
        #expect(modify?.message.contains("can only be added or deleted") == true)
    }

    @Test func forwardInterfaces() throws {
        var def = try apply(.add, .forwardInterface, "<interface dev='eth1'/>")
        #expect(def.forward.interfaces.map(\.dev) == ["eth1"])
        def = try NetworkUpdater.apply(.delete, section: .forwardInterface, xml: "<interface dev='eth1'/>", parentIndex: nil, to: def)
        #expect(def.forward.interfaces.isEmpty)
        var busy = try definition
        busy.forward.interfaces = [ForwardInterface(dev: "eth2", connections: 3)]
        let error = #expect(throws: NetworkXMLError.self) {
            try NetworkUpdater.apply(.delete, section: .forwardInterface, xml: "<interface dev='eth2'/>", parentIndex: nil, to: busy)
        }
        #expect(error?.message == "unable to delete interface eth2 in network default. It is currently being used by 3 domains.")
    }

    @Test func portGroups() throws {
        var def = try apply(.add, .portgroup, "<portgroup name='sales'><bandwidth><inbound average='1000'/></bandwidth></portgroup>")
        #expect(def.portGroups.map(\.name) == ["engineering", "sales"])
        def = try NetworkUpdater.apply(.modify, section: .portgroup, xml: "<portgroup name='engineering' trustGuestRxFilters='yes'/>",
                                       parentIndex: nil, to: def)
        #expect(def.portGroups[0].trustGuestRxFilters == true)
        let second = #expect(throws: NetworkXMLError.self) { try apply(.add, .portgroup, "<portgroup name='ops' default='yes'/>") }
        #expect(second?.message.contains("already set as the default") == true)
        def = try NetworkUpdater.apply(.delete, section: .portgroup, xml: "<portgroup name='sales'/>", parentIndex: nil, to: def)
        #expect(def.portGroups.map(\.name) == ["engineering"])
    }

    @Test func dnsHostsTXTAndSRV() throws {
        var def = try apply(.add, .dnsHost, "<host ip='192.168.122.3'><hostname>three</hostname></host>")
        #expect(def.dns.hosts.count == 2)
        let clash = #expect(throws: NetworkXMLError.self) { try apply(.add, .dnsHost, "<host ip='192.168.122.9'><hostname>two</hostname></host>") }
        #expect(clash?.message == "there is already at least one DNS HOST record with a matching field in network default")
        def = try NetworkUpdater.apply(.delete, section: .dnsHost, xml: "<host><hostname>three</hostname></host>", parentIndex: nil, to: def)
        #expect(def.dns.hosts.count == 1)

        def = try apply(.add, .dnsTXT, "<txt name='other' value='v'/>")
        #expect(def.dns.txts.map(\.name) == ["example", "other"])
        def = try NetworkUpdater.apply(.delete, section: .dnsTXT, xml: "<txt name='example'/>", parentIndex: nil, to: def)
        #expect(def.dns.txts.map(\.name) == ["other"])

        def = try apply(.add, .dnsSRV, "<srv service='ldap' protocol='tcp' target='dc.example.com' port='389'/>")
        #expect(def.dns.srvs.count == 1)
        let dup = #expect(throws: NetworkXMLError.self) {
            try NetworkUpdater.apply(.add, section: .dnsSRV, xml: "<srv service='ldap' protocol='tcp' target='dc.example.com' port='389'/>", parentIndex: nil, to: def)
        }
        #expect(dup != nil)
        def = try NetworkUpdater.apply(.delete, section: .dnsSRV, xml: "<srv service='ldap'/>", parentIndex: nil, to: def)
        #expect(def.dns.srvs.isEmpty)
    }

    @Test(arguments: [NetworkUpdateRequest.Section.bridge, .domain, .ip, .forward, .forwardPF])
    func unsupportedSections(_ section: NetworkUpdateRequest.Section) {
        let error = #expect(throws: NetworkXMLError.self) { try apply(.modify, section, "<x/>") }
        #expect(error?.message == "can't update '\(section.rawValue)' section of network 'default'")
    }
}
