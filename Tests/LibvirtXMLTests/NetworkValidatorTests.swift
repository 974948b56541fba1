import LibvirtXML
import PatchbayModel
import Testing

/// One case per rule: the definition, the level, and the message it must produce.
@Suite struct NetworkValidatorTests {
    static func wrap(_ body: String, forward: String = "") -> String {
        "<network><name>n</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\(forward)\(body)</network>"
    }

    @Test(arguments: [
        (wrap("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.1.2' end='10.0.1.9'/></dhcp></ip>"),
         "range 10.0.1.2 - 10.0.1.9 is not entirely within network 10.0.0.1/24"),
        (wrap("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.0' end='10.0.0.9'/></dhcp></ip>"),
         "start of range 10.0.0.0 - 10.0.0.9 in network 10.0.0.1/24 is the network address"),
        (wrap("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.9' end='10.0.0.255'/></dhcp></ip>"),
         "end of range 10.0.0.9 - 10.0.0.255 in network 10.0.0.1/24 is the broadcast address"),
        (wrap("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.9' end='10.0.0.3'/></dhcp></ip>"),
         "range 10.0.0.9 - 10.0.0.3 is reversed"),
        (wrap("<ip address='10.0.0.1' prefix='8'><dhcp><range start='10.0.0.9' end='10.1.0.3'/></dhcp></ip>"),
         "range 10.0.0.9 - 10.1.0.3 is too large (> 65535)"),
        (wrap("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.50'/><range start='10.0.0.40' end='10.0.0.60'/></dhcp></ip>"),
         "range 10.0.0.40 - 10.0.0.60 overlaps range 10.0.0.2 - 10.0.0.50"),
        (wrap("<ip address='10.0.0.1' prefix='24'><dhcp><host mac='52:54:00:00:00:01' ip='10.0.0.5'/><host mac='52:54:00:00:00:01' ip='10.0.0.6'/></dhcp></ip>"),
         "duplicate static host: mac '52:54:00:00:00:01' is also used by host 1 of this <dhcp>"),
        (wrap("<ip address='10.0.0.1' prefix='24'><dhcp><host name='a' ip='10.0.0.5'/><host name='b' ip='10.0.0.5'/></dhcp></ip>"),
         "duplicate static host: ip '10.0.0.5' is also used by host 1 of this <dhcp>"),
        (wrap("<dns><host ip='10.0.0.5'><hostname>a</hostname></host><host ip='10.0.0.5'><hostname>b</hostname></host></dns><ip address='10.0.0.1' prefix='24'/>"),
         "duplicate DNS host record for 10.0.0.5"),
        (wrap("<ip address='10.0.0.1' prefix='24'/><route address='192.168.9.0' prefix='24' gateway='10.1.0.1'/>"),
         "unreachable static route gateway '10.1.0.1' specified for network 'n'"),
        (wrap("<ip address='10.0.0.1' prefix='24'/><route address='192.168.9.1' prefix='24' gateway='10.0.0.2'/>"),
         "address in route definition is not a network address"),
        (wrap("", forward: "<forward mode='nat'/>"), "nat forwarding requested, but no IP address provided for network 'n'"),
        (wrap("", forward: "<forward mode='open'/>"), "open forwarding requested, but no IP address provided for network 'n'"),
        (wrap("<ip address='10.0.0.1' prefix='24'/>", forward: "<forward mode='route'><address type='pci' domain='0' bus='1' slot='0' function='0'/><address type='pci' domain='0' bus='2' slot='0' function='0'/></forward>"),
         "multiple forwarding interfaces specified for network 'n', only one is supported"),
        (wrap("<ip address='10.0.0.1' prefix='24'/>", forward: "<forward mode='open'><address type='pci' domain='0' bus='1' slot='0' function='0'/></forward>"),
         "forward dev not allowed for network 'n' with forward mode='open'"),
        (wrap("<ip address='10.0.0.1' prefix='24'/>", forward: "<forward mode='open' dev='eth0'/>"),
         "forward dev not allowed for network 'n' with forward mode='open'"),
        (wrap("<bridge name='br0' stp='on'/>", forward: "<forward mode='bridge'/>"),
         "bridge delay/stp/zone options only allowed in open, route, nat, and isolated mode, not in bridge"),
        (wrap("<bridge name='br0'/>", forward: "<forward mode='vepa'><interface dev='eth0'/></forward>"),
         "bridge name not allowed in vepa mode (network 'n')"),
        (wrap("<bridge name='br0'/>", forward: "<forward mode='bridge' dev='eth0'/>"),
         "a network with forward mode='bridge' can specify a bridge name or a forward dev, but not both (network 'n')"),
        (wrap("<mtu size='9000'/>", forward: "<forward mode='bridge' dev='eth0'/>"),
         "mtu size only allowed in open, route, nat, and isolated mode, not in bridge (network 'n')"),
        (wrap("<ip address='10.0.0.1' prefix='24'/>", forward: "<forward mode='nat'><interface dev='a'/><interface dev='b'/></forward>"),
         "multiple forwarding interfaces specified for network 'n', only one is supported"),
        (wrap("", forward: "<forward mode='nat' dev='eth0'><interface dev='eth1'/></forward>"),
         "<forward dev='eth0'> must match the first <interface dev>"),
        (wrap("", forward: "<forward mode='bridge'><nat/></forward>"),
         "the <nat> element can only be used when <forward> 'mode' is 'nat'"),
        (wrap("<domain name='example.com' register='yes'/>"), "attribute 'register=yes' requires 'localOnly=yes'"),
        (wrap("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'><lease expiry='1'/></range></dhcp></ip>"),
         "the minimum lease time is 2 minutes"),
        (wrap("<ip family='ipv6' address='2001:db8::1' prefix='64'><tftp root='/srv'/></ip>"), "unsupported <tftp> element in an IPv6 <ip>"),
        (wrap("<dns><srv service='a-very-long-service-name' protocol='tcp'/></dns>"), "service name too long, limit is 15 bytes"),
        (wrap("<dns><srv service='ldap' protocol='tcp' port='389'/></dns>"), "'port' is not permitted without 'target'"),
        (wrap("<dns><txt name='bad name' value='x'/></dns>"), "prohibited character (space or comma) in TXT record name"),
        (wrap("<vlan><tag id='5000'/></vlan>"), "vlan tag id too large (maximum 4095)"),
        (wrap("<virtualport type='802.1Qbh'><parameters managerid='1'/></virtualport>", forward: "<forward mode='bridge' dev='eth0'/>"),
         "extra managerid field in 802.1Qbh virtualport profile"),
        (wrap("<bandwidth><inbound peak='100'/></bandwidth>"), "missing mandatory average or floor attribute"),
        (wrap("<bandwidth><inbound average='100' floor='50'/></bandwidth>"), "the floor attribute is not supported for this config"),
    ])
    func documentRules(_ xml: String, _ message: String) {
        let error = #expect(throws: NetworkXMLError.self) { try NetworkXML.read(xml, level: .document) }
        #expect(error?.message.hasPrefix(message) == true, "\(error?.description ?? "no error")")
    }

    @Test(arguments: [
        (wrap("<ip address='10.0.0.1' prefix='24'/>", forward: "<forward mode='passthrough' dev='eth0'/>"),
         "unsupported <ip> element in network n with forward mode='passthrough'"),
        (wrap("<mac address='52:54:00:00:00:01'/>", forward: "<forward mode='bridge' dev='eth0'/>"),
         "unsupported <mac> element in network n with forward mode='bridge'"),
        (wrap("<dns><txt name='a' value='b'/></dns>", forward: "<forward mode='bridge' dev='eth0'/>"),
         "unsupported <dns> element in network n with forward mode='bridge'"),
        (wrap("<bandwidth><inbound average='1'/></bandwidth>", forward: "<forward mode='vepa' dev='eth0'/>"),
         "unsupported network-wide <bandwidth> element in network n with forward mode='vepa'"),
        (wrap("", forward: "<forward mode='hostdev' managed='yes'><interface dev='eth0'/></forward>"),
         "hostdev network 'n' lists 'eth0' in the device pool"),
        (wrap("", forward: "<forward mode='passthrough'><address type='pci' domain='0' bus='3' slot='0' function='1'/></forward>"),
         "network 'n' has forward mode 'passthrough' but lists a device by PCI address"),
        (wrap("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'/></dhcp></ip><ip address='10.1.0.1' prefix='24'><dhcp><range start='10.1.0.2' end='10.1.0.9'/></dhcp></ip>"),
         "multiple IPv4 dhcp sections found"),
        (wrap("<portgroup name='a' default='yes'/><portgroup name='b' default='yes'/>"),
         "network 'n' has multiple default <portgroup> elements (a and b)"),
        (wrap("<portgroup name='a'/><portgroup name='a'/>"), "multiple <portgroup> elements with the same name (a) in network 'n'"),
        (wrap("<vlan><tag id='5'/></vlan><ip address='10.0.0.1' prefix='24'/>"),
         "<vlan> element specified for network n, whose type doesn't support vlan configuration"),
        (wrap("<bridge name='much-too-long-bridge'/>"), "invalid bridge name"),
        ("<network><name>evil&#x9b;2J</name></network>", "name cannot contain control characters"),
    ])
    func defineRules(_ xml: String, _ message: String) throws {
        _ = try NetworkXML.read(xml, level: .document)
        let error = #expect(throws: NetworkXMLError.self) { try NetworkXML.read(xml, level: .define) }
        #expect(error?.message.hasPrefix(message) == true, "\(error?.description ?? "no error")")
    }

    @Test func validationErrorsCarryPositions() {
        let xml = "<network>\n  <name>n</name>\n  <ip address='10.0.0.1' prefix='24'>\n    <dhcp>\n      <range start='10.0.1.2' end='10.0.1.9'/>\n    </dhcp>\n  </ip>\n</network>"
        let error = #expect(throws: NetworkXMLError.self) { try NetworkXML.read(xml) }
        #expect(error?.description == "line 5, column 7: <range> value '10.0.1.2 - 10.0.1.9': range 10.0.1.2 - 10.0.1.9 is not entirely within network 10.0.0.1/24")
    }

    @Test func aMissingUUIDIsGenerated() throws {
        let fixed = NetworkUUID("11111111-2222-3333-4444-555555555555")!
        let parsed = try NetworkXML.read("<network><name>n</name></network>", generateUUID: { fixed })
        #expect(parsed.definition.uuid == fixed)
    }
}
