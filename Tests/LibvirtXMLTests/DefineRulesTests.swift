import LibvirtXML
import PatchbayModel
import Testing

/// Where a `<vlan>` and a PCI device pool are allowed: libvirt's networkValidate
/// (src/network/bridge_driver.c), which `net-define` runs and libvirt's XML tests do not. A vlan
/// needs a hostdev or passthrough network, an Open vSwitch bridge or (Patchbay's extension) a
/// plain host bridge; a portgroup with a
/// virtualport of its own must make it an Open vSwitch one (a typeless one does not count);
/// devices are listed by PCI address only in hostdev mode. Reading the XML (virNetworkDefParse)
/// accepts all of these, and they round-trip.
@Suite struct DefineRulesTests {
    static let vlan = "<vlan><tag id='42'/></vlan>"

    static func network(forward: String, _ body: String) -> String {
        "<network><name>n</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a8c</uuid>\(forward)\(body)</network>"
    }

    static let refusal = "<vlan> element specified for network n, whose type doesn't support vlan configuration"
    static let pciRefusal = "network 'n' has forward mode 'passthrough' but lists a device by PCI address in the device pool; this is only supported for forward mode 'hostdev'"

    static let cases: [(String, String, String?)] = [
        ("Open vSwitch bridge", network(forward: "<forward mode='bridge'/><bridge name='ovsbr0'/>", "<virtualport type='openvswitch'/>" + vlan), nil),
        ("Open vSwitch bridge, vlan in a portgroup", network(forward: "<forward mode='bridge'/><bridge name='ovsbr0'/>",
                                                            "<virtualport type='openvswitch'/><portgroup name='p'>\(vlan)</portgroup>"), nil),
        ("portgroup with its own Open vSwitch virtualport", network(forward: "<forward mode='bridge'/><bridge name='br0'/>",
                                                                   "<portgroup name='p'>\(vlan)<virtualport type='openvswitch'/></portgroup>"), nil),
        ("hostdev pool", network(forward: "<forward mode='hostdev' managed='yes'><address type='pci' domain='0' bus='3' slot='0' function='1'/></forward>", vlan), nil),
        ("passthrough pool with an 802.1Qbh profile", network(forward: "<forward mode='passthrough'><interface dev='eth1'/></forward>",
                                                             vlan + "<virtualport type='802.1Qbh'><parameters profileid='p'/></virtualport>"), nil),
        ("plain host bridge whose default portgroup is Open vSwitch", network(forward: "<forward mode='bridge'/><bridge name='br0'/>",
                                                                     vlan + "<portgroup name='p' default='yes'><virtualport type='openvswitch'/></portgroup>"), nil),
        // Patchbay's extension: libvirt refuses this; Patchbay carries it with bridge VLAN
        // filtering (and refuses at net-start on a kernel without it).
        ("plain host bridge", network(forward: "<forward mode='bridge'/><bridge name='br0'/>", vlan), nil),
        ("private pool with an 802.1Qbh profile (libvirt's 8021Qbh-net)",
         network(forward: "<forward dev='eth1' mode='private'><interface dev='eth1'/><interface dev='eth2'/></forward>",
                 vlan + "<virtualport type='802.1Qbh'><parameters profileid='spongebob24'/></virtualport>"), refusal),
        ("vepa pool", network(forward: "<forward mode='vepa'><interface dev='eth1'/></forward>", vlan), refusal),
        ("nat", network(forward: "<forward mode='nat'/>", "<ip address='10.0.0.1' prefix='24'/>" + vlan), refusal),
        // libvirt's networkValidate refuses this (it reads the group's own type only); Patchbay
        // merges the type from the network first, as the port would get it, so libvirt's own
        // openvswitch-net test network defines (issue 14).
        ("typeless virtualport in a portgroup of an Open vSwitch bridge (libvirt's openvswitch-net)",
         network(forward: "<forward mode='bridge'/>", "<virtualport type='openvswitch'/><portgroup name='bob' default='yes'>\(vlan)<virtualport><parameters profileid='bob-profile'/></virtualport></portgroup>"),
         nil),
        ("typeless virtualport in a portgroup of a network without one",
         network(forward: "<forward mode='bridge'/><bridge name='br0'/>", "<portgroup name='bob' default='yes'>\(vlan)<virtualport><parameters profileid='bob-profile'/></virtualport></portgroup>"),
         refusal),
        ("plain host bridge with a portgroup", network(forward: "<forward mode='bridge'/><bridge name='br0'/>", vlan + "<portgroup name='p'/>"), nil),
        ("PCI addresses in a passthrough pool", network(forward: "<forward mode='passthrough'><address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></forward>", ""),
         pciRefusal),
    ]

    @Test(arguments: cases)
    func defineAsLibvirtDoes(_ name: String, _ xml: String, _ message: String?) throws {
        // Reading accepts every one of them and writes it back unchanged.
        let parsed = try NetworkXML.read(xml, level: .document)
        let formatted = NetworkXML.format(parsed.definition)
        #expect(NetworkXML.format(try NetworkXML.read(formatted, level: .document).definition) == formatted, "\(name)")
        if let message {
            let error = #expect(throws: NetworkXMLError.self) { try NetworkXML.read(xml, level: .define) }
            #expect(error?.message == message, "\(name)")
        } else {
            #expect(throws: Never.self, "\(name)") { try NetworkXML.read(xml, level: .define) }
        }
    }

    /// libvirt's tests/networkxml2xmlout/8021Qbh-net.xml, byte for byte.
    @Test func libvirts8021QbhNetworkRoundTrips() throws {
        let text = """
            <network>
              <name>8021Qbh-net</name>
              <uuid>81ff0d90-c91e-6742-64da-4a736edb9a8c</uuid>
              <forward dev='eth1' mode='private'>
                <interface dev='eth1'/>
                <interface dev='eth2'/>
                <interface dev='eth3'/>
                <interface dev='eth4'/>
                <interface dev='eth5'/>
              </forward>
              <vlan>
                <tag id='549'/>
              </vlan>
              <virtualport type='802.1Qbh'>
                <parameters profileid='spongebob24'/>
              </virtualport>
            </network>

            """
        #expect(NetworkXML.format(try NetworkXML.read(text, level: .document).definition) == text)
    }
}
