import LibvirtXML
import PatchbayModel
import Testing

/// Every section and command of `net-update` against libvirt's virNetworkDefUpdateSection
/// (src/conf/network_conf.c, libvirt 11), on libvirt's own test networks
/// (../shared/conformance/libvirt-network-xml/in). The cases of libvirt's
/// tests/networkxml2xmlupdatetest.c keep its names; the others cover what it leaves out.
///
/// A case names the network, the updates applied before it (`given`), the update, and either
/// the text it changes in `net-dumpxml` (byte for byte: `from` becomes `to`) or the message it
/// is refused with. `final` is what libvirt's virNetworkObjUpdate then says when it formats and
/// parses the result again (nil: the result reads back), which the engine's validation does.
@Suite struct NetworkUpdaterTests {
    typealias Command = NetworkUpdateRequest.Command
    typealias Section = NetworkUpdateRequest.Section

    enum Outcome: Sendable {
        case changes(from: String, to: String)
        case refused(String)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var network: String
        var given: [(Command, Section, String)] = []
        var command: Command
        var section: Section
        var xml: String
        var parentIndex: Int?
        var outcome: Outcome
        var final: String?
        var testDescription: String { "\(section.rawValue) \(command.rawValue): \(name)" }
    }

    static let hostA = "<host mac='00:16:3e:77:e2:ed' name='a.example.com' ip='192.168.122.10'/>"
    static let hostB = "<host mac='00:16:3e:3e:a9:1a' name='b.example.com' ip='192.168.122.11'/>"
    static let hostM = "<host mac='00:16:3e:77:f0:0d' name='m.example.com' ip='192.168.122.12'/>"
    static let range = "<range start='192.168.122.2' end='192.168.122.254'/>"
    static let srv = "<srv service='name' protocol='tcp' domain='test-domain-name' target='.' port='1024' priority='10' weight='10'/>"
    static let donkey = "<srv service='name' protocol='tcp' domain='donkey' target='.' port='404' priority='10' weight='10'/>"
    static let bridge = "<bridge name='virbr0' stp='on' delay='0'/>\n"

    static let dhcpHostCases: [Case] = [
        Case(name: "add-host-incomplete", network: "nat-network", command: .addLast, section: .ipDHCPHost,
             xml: "<host mac=\"00:16:3e:77:e2:ed\"/>", parentIndex: 0, outcome: .refused("missing IP address in static host definition")),
        Case(name: "add-host-new-incomplete", network: "nat-network", command: .addLast, section: .ipDHCPHost,
             xml: "<host name='tea'/>", parentIndex: 0, outcome: .refused("missing IP address in static host definition")),
        Case(name: "add-host-existing", network: "nat-network", command: .addLast, section: .ipDHCPHost,
             xml: hostA, parentIndex: 0,
             outcome: .refused("there is an existing dhcp host entry in network 'default' that matches <host mac='00:16:3e:77:e2:ed' name='a.example.com' ip='192.168.122.10'/>")),
        Case(name: "add-host-new", network: "nat-network", command: .addLast, section: .ipDHCPHost, xml: hostM, parentIndex: 0,
             outcome: .changes(from: hostB, to: hostB + "\n      " + hostM)),
        Case(name: "add is add-last", network: "nat-network", command: .add, section: .ipDHCPHost, xml: hostM,
             outcome: .changes(from: hostB, to: hostB + "\n      " + hostM)),
        Case(name: "add-first", network: "nat-network", command: .addFirst, section: .ipDHCPHost, xml: hostM,
             outcome: .changes(from: hostA, to: hostM + "\n      " + hostA)),
        Case(name: "modify-host-missing", network: "nat-network", command: .modify, section: .ipDHCPHost, xml: hostM, parentIndex: 0,
             outcome: .refused("couldn't locate an existing dhcp host entry with <host mac='00:16:3e:77:f0:0d' name='m.example.com' ip='192.168.122.12'/> in network 'default'")),
        Case(name: "modify-host-incomplete", network: "nat-network", command: .modify, section: .ipDHCPHost,
             xml: "<host mac=\"00:16:3e:77:e2:ed\"/>", parentIndex: 0, outcome: .refused("missing IP address in static host definition")),
        Case(name: "modify-host", network: "nat-network", command: .modify, section: .ipDHCPHost,
             xml: "<host mac=\"00:16:3e:77:e2:ed\" name=\"a.example.com\" ip=\"192.168.122.47\"/>", parentIndex: 0,
             outcome: .changes(from: hostA, to: "<host mac='00:16:3e:77:e2:ed' name='a.example.com' ip='192.168.122.47'/>")),
        Case(name: "modify finds the entry by name", network: "nat-network", command: .modify, section: .ipDHCPHost,
             xml: "<host mac='52:54:00:00:00:01' name='b.example.com' ip='192.168.122.11'><lease expiry='1' unit='hours'/></host>",
             outcome: .changes(from: hostB, to: "<host mac='52:54:00:00:00:01' name='b.example.com' ip='192.168.122.11'>\n        <lease expiry='1' unit='hours'/>\n      </host>")),
        Case(name: "delete-host-incomplete", network: "nat-network", command: .delete, section: .ipDHCPHost,
             xml: "<host mac=\"00:16:3e:77:e2:ed\"/>", parentIndex: 0, outcome: .changes(from: hostA + "\n      ", to: "")),
        Case(name: "delete-host-existing", network: "nat-network", command: .delete, section: .ipDHCPHost, xml: hostA, parentIndex: 0,
             outcome: .changes(from: hostA + "\n      ", to: "")),
        Case(name: "delete-host-missing", network: "nat-network", command: .delete, section: .ipDHCPHost, xml: hostM, parentIndex: 0,
             outcome: .refused("couldn't locate a matching dhcp host entry in network 'default'")),
        Case(name: "delete needs every given attribute to match", network: "nat-network", command: .delete, section: .ipDHCPHost,
             xml: "<host name='a.example.com' ip='192.168.122.11'/>", outcome: .refused("couldn't locate a matching dhcp host entry in network 'default'")),
        Case(name: "delete needs one of mac, name, ip", network: "nat-network", command: .delete, section: .ipDHCPHost,
             xml: "<host/>", outcome: .refused("at least one of name, mac, or ip must be specified")),
        Case(name: "the address must be of the parent's family", network: "nat-network", command: .addLast, section: .ipDHCPHost,
             xml: "<host name='six' ip='2001:db8::5'/>", parentIndex: 0,
             outcome: .refused("the address family of a host entry IP must match the address family of the dhcp element's parent")),
        Case(name: "a second IPv4 <ip> cannot get DHCP", network: "nat-network", command: .addLast, section: .ipDHCPHost,
             xml: "<host name='c' ip='192.168.123.5'/>", parentIndex: 1,
             outcome: .refused("dhcp is supported only for a single IPv4 address on each network")),
        Case(name: "parentIndex out of range", network: "nat-network", command: .addLast, section: .ipDHCPHost,
             xml: hostM, parentIndex: 7,
             outcome: .refused("couldn't update dhcp host entry - no <ip> element found at index 7 in network 'default'")),
        Case(name: "an IPv6 host by DUID on the IPv6 <ip>", network: "dhcp6host-routed-network", command: .addLast, section: .ipDHCPHost,
             xml: "<host id='0:3:0:1:0:16:3e:11:22:44' name='mary' ip='2001:db8:ac10:fd01::1:25'/>", parentIndex: 1,
             outcome: .changes(from: "<host id='0:1:0:1:18:aa:62:fe:0:16:3e:44:55:66' name='badbob' ip='2001:db8:ac10:fd01::1:24'/>",
                               to: "<host id='0:1:0:1:18:aa:62:fe:0:16:3e:44:55:66' name='badbob' ip='2001:db8:ac10:fd01::1:24'/>\n      <host id='0:3:0:1:0:16:3e:11:22:44' name='mary' ip='2001:db8:ac10:fd01::1:25'/>")),
        Case(name: "the element must be <host>", network: "nat-network", command: .addLast, section: .ipDHCPHost,
             xml: "<range start='192.168.122.2' end='192.168.122.9'/>",
             outcome: .refused("unexpected element <range>, expecting <host>, while updating network 'default'")),
        Case(name: "Patchbay refuses a second reservation of one address", network: "nat-network", command: .addLast, section: .ipDHCPHost,
             xml: "<host mac='52:54:00:00:00:09' name='c' ip='192.168.122.11'/>", parentIndex: 0,
             outcome: .refused("there is an existing dhcp host entry in network 'default' that matches <host mac='52:54:00:00:00:09' name='c' ip='192.168.122.11'/>")),
    ]

    static let dhcpRangeCases: [Case] = [
        Case(name: "add-dhcp-range", network: "dhcp6host-routed-network", command: .addFirst, section: .ipDHCPRange,
             xml: "<range start='192.168.122.10' end='192.168.122.100'/>", parentIndex: 0,
             outcome: .changes(from: "<dhcp>\n      " + hostA, to: "<dhcp>\n      <range start='192.168.122.10' end='192.168.122.100'/>\n      " + hostA)),
        Case(name: "add-dhcp-range-outside-net", network: "dhcp6host-routed-network", command: .addFirst, section: .ipDHCPRange,
             xml: "<range start='10.0.0.10' end='10.0.0.100'/>", parentIndex: 0,
             outcome: .refused("range 10.0.0.10 - 10.0.0.100 is not entirely within network 192.168.122.1/24")),
        Case(name: "an IPv6 range on the IPv6 <ip> chosen by parentIndex", network: "dhcp6host-routed-network", command: .addLast, section: .ipDHCPRange,
             xml: "<range start='2001:db8:ac10:fd01::1:100' end='2001:db8:ac10:fd01::1:1ff'/>", parentIndex: 1,
             outcome: .changes(from: "<dhcp>\n      <host id='0:4:7e", to: "<dhcp>\n      <range start='2001:db8:ac10:fd01::1:100' end='2001:db8:ac10:fd01::1:1ff'/>\n      <host id='0:4:7e")),
        Case(name: "an IPv6 range where no IPv6 <ip> has DHCP yet", network: "nat-network", command: .addLast, section: .ipDHCPRange,
             xml: "<range start='2001:db8:ac10:fe01::10' end='2001:db8:ac10:fe01::ff'/>", parentIndex: 2,
             outcome: .changes(from: "<ip family='ipv6' address='2001:db8:ac10:fe01::1' prefix='64'>\n  </ip>",
                               to: "<ip family='ipv6' address='2001:db8:ac10:fe01::1' prefix='64'>\n    <dhcp>\n      <range start='2001:db8:ac10:fe01::10' end='2001:db8:ac10:fe01::ff'/>\n    </dhcp>\n  </ip>")),
        Case(name: "a range with a lease", network: "dhcp6host-routed-network", command: .addLast, section: .ipDHCPRange,
             xml: "<range start='192.168.122.100' end='192.168.122.200'><lease expiry='1' unit='hours'/></range>",
             outcome: .changes(from: "<dhcp>\n      " + hostA,
                               to: "<dhcp>\n      <range start='192.168.122.100' end='192.168.122.200'>\n        <lease expiry='1' unit='hours'/>\n      </range>\n      " + hostA)),
        Case(name: "delete-dhcp-range", network: "nat-network", command: .delete, section: .ipDHCPRange,
             xml: "<range start=\"192.168.122.2\" end=\"192.168.122.254\"/>", parentIndex: 0,
             outcome: .changes(from: range + "\n      ", to: "")),
        Case(name: "delete-dhcp-range (missing)", network: "nat-network", command: .delete, section: .ipDHCPRange,
             xml: "<range start='192.168.122.10' end='192.168.122.100'/>", parentIndex: 0,
             outcome: .refused("couldn't locate a matching dhcp range entry <range start='192.168.122.10' end='192.168.122.100'/> in network 'default'")),
        Case(name: "ranges are never modified", network: "nat-network", command: .modify, section: .ipDHCPRange, xml: range,
             outcome: .refused("dhcp ranges cannot be modified, only added or deleted")),
        Case(name: "the same range twice", network: "nat-network", command: .addLast, section: .ipDHCPRange, xml: range,
             outcome: .refused("there is an existing dhcp range entry in network 'default' that matches <range start='192.168.122.2' end='192.168.122.254'/>")),
        Case(name: "a range of the other family", network: "nat-network", command: .addLast, section: .ipDHCPRange,
             xml: "<range start='2001:db8::10' end='2001:db8::20'/>", parentIndex: 0,
             outcome: .refused("mismatch of address family in range 2001:db8::10 - 2001:db8::20 for network 192.168.122.1")),
        Case(name: "a reversed range", network: "dhcp6host-routed-network", command: .addLast, section: .ipDHCPRange,
             xml: "<range start='192.168.122.90' end='192.168.122.20'/>", outcome: .refused("range 192.168.122.90 - 192.168.122.20 is reversed")),
        Case(name: "a second IPv4 <ip> cannot get DHCP", network: "nat-network", command: .addLast, section: .ipDHCPRange,
             xml: "<range start='192.168.123.2' end='192.168.123.9'/>", parentIndex: 1,
             outcome: .refused("dhcp is supported only for a single IPv4 address on each network")),
        Case(name: "start is required", network: "nat-network", command: .addLast, section: .ipDHCPRange,
             xml: "<range end='192.168.122.9'/>", outcome: .refused("missing required attribute")),
        Case(name: "Patchbay refuses overlapping pools after the update", network: "nat-network", command: .addLast, section: .ipDHCPRange,
             xml: "<range start='192.168.122.100' end='192.168.122.150'/>", parentIndex: 0,
             outcome: .changes(from: range, to: range + "\n      <range start='192.168.122.100' end='192.168.122.150'/>"),
             final: "range 192.168.122.100 - 192.168.122.150 overlaps range 192.168.122.2 - 192.168.122.254"),
        Case(name: "add is add-last", network: "dhcp6host-routed-network", command: .add, section: .ipDHCPRange,
             xml: "<range start='192.168.122.10' end='192.168.122.100'/>",
             outcome: .changes(from: "<dhcp>\n      " + hostA, to: "<dhcp>\n      <range start='192.168.122.10' end='192.168.122.100'/>\n      " + hostA)),
    ]

    static let forwardInterfaceCases: [Case] = [
        Case(name: "insert-forward-interface", network: "nat-network-dns-srv-record", command: .addFirst, section: .forwardInterface,
             xml: "<interface dev='eth47'/>",
             outcome: .changes(from: "<forward dev='eth1' mode='nat'>\n    <interface dev='eth1'/>",
                               to: "<forward dev='eth47' mode='nat'>\n    <interface dev='eth47'/>\n    <interface dev='eth1'/>"),
             final: "multiple forwarding interfaces specified for network 'default', only one is supported"),
        Case(name: "a second device in a pool", network: "vepa-net", command: .addLast, section: .forwardInterface,
             xml: "<interface dev='eth9'/>",
             outcome: .changes(from: "<interface dev='eth3'/>", to: "<interface dev='eth3'/>\n    <interface dev='eth9'/>")),
        Case(name: "add-first to a pool names the new device in <forward dev>", network: "vepa-net", command: .addFirst, section: .forwardInterface,
             xml: "<interface dev='eth0'/>",
             outcome: .changes(from: "<forward dev='eth1' mode='vepa'>\n", to: "<forward dev='eth0' mode='vepa'>\n    <interface dev='eth0'/>\n")),
        Case(name: "delete-forward-interface", network: "nat-network-dns-srv-record", command: .delete, section: .forwardInterface,
             xml: "<interface dev='eth1'/>",
             outcome: .changes(from: "<forward dev='eth1' mode='nat'>\n    <interface dev='eth1'/>\n  </forward>", to: "<forward mode='nat'/>")),
        Case(name: "delete-forward-interface (missing)", network: "nat-network-dns-srv-record", command: .delete, section: .forwardInterface,
             xml: "<interface dev='eth47'/>",
             outcome: .refused("couldn't find an interface entry in network 'default' matching <interface dev='eth47'>")),
        Case(name: "the same device twice", network: "vepa-net", command: .addLast, section: .forwardInterface, xml: "<interface dev='eth2'/>",
             outcome: .refused("there is an existing interface entry in network 'vepa-net' that matches <interface dev='eth2'>")),
        Case(name: "interfaces are never modified", network: "vepa-net", command: .modify, section: .forwardInterface, xml: "<interface dev='eth2'/>",
             outcome: .refused("forward interface entries cannot be modified, only added or deleted")),
        Case(name: "dev is required", network: "vepa-net", command: .addLast, section: .forwardInterface, xml: "<interface/>",
             outcome: .refused("missing dev attribute in <interface> element")),
        Case(name: "add is add-last", network: "vepa-net", command: .add, section: .forwardInterface, xml: "<interface dev='eth9'/>",
             outcome: .changes(from: "<interface dev='eth3'/>", to: "<interface dev='eth3'/>\n    <interface dev='eth9'/>")),
    ]

    static let alison = "<portgroup name='alison'>\n    <vlan trunk='yes'>\n      <tag id='4'/>\n      <tag id='8'/>\n      <tag id='13'/>\n      <tag id='1990'/>\n    </vlan>\n    <virtualport>\n      <parameters profileid='alison-profile'/>\n    </virtualport>\n  </portgroup>"
    static let aliceNew = "<portgroup name='alice'><vlan trunk='yes'><tag id='888'/><tag id='808'/><tag id='909'/></vlan><virtualport><parameters profileid='alice-profile'/></virtualport></portgroup>"
    static let alice = "<portgroup name='alice'>\n    <vlan trunk='yes'>\n      <tag id='777'/>\n      <tag id='888'/>\n      <tag id='999'/>\n    </vlan>\n    <virtualport>\n      <parameters profileid='alice-profile'/>\n    </virtualport>\n  </portgroup>\n"

    static let portGroupCases: [Case] = [
        Case(name: "insert-portgroup", network: "openvswitch-net", command: .addFirst, section: .portgroup,
             xml: "<portgroup name='alison'><vlan trunk='yes'><tag id='4'/><tag id='8'/><tag id='13'/><tag id='1990'/></vlan><virtualport><parameters profileid='alison-profile'/></virtualport></portgroup>",
             outcome: .changes(from: "<portgroup name='bob'", to: alison + "\n  <portgroup name='bob'")),
        Case(name: "append-duplicate-portgroup", network: "openvswitch-net", command: .addLast, section: .portgroup, xml: aliceNew,
             outcome: .refused("there is an existing portgroup entry in network 'openvswitch-net' that matches <portgroup name='alice'>")),
        Case(name: "modify-portgroup", network: "openvswitch-net", command: .modify, section: .portgroup, xml: aliceNew,
             outcome: .changes(from: "<tag id='777'/>\n      <tag id='888'/>\n      <tag id='999'/>", to: "<tag id='888'/>\n      <tag id='808'/>\n      <tag id='909'/>")),
        Case(name: "modify-missing-portgroup", network: "openvswitch-net", command: .modify, section: .portgroup,
             xml: "<portgroup name='alison'/>",
             outcome: .refused("couldn't find a portgroup entry in network 'openvswitch-net' matching <portgroup name='alison'>")),
        Case(name: "delete-portgroup", network: "openvswitch-net", command: .delete, section: .portgroup, xml: aliceNew,
             outcome: .changes(from: "  " + alice, to: "")),
        Case(name: "delete-missing-portgroup", network: "nat-network-dns-srv-record", command: .delete, section: .portgroup, xml: aliceNew,
             outcome: .refused("couldn't find a portgroup entry in network 'default' matching <portgroup name='alice'>")),
        Case(name: "a second default", network: "openvswitch-net", command: .addLast, section: .portgroup, xml: "<portgroup name='carol' default='yes'/>",
             outcome: .refused("a different portgroup entry in network 'openvswitch-net' is already set as the default (bob). Only one default is allowed.")),
        Case(name: "the default may be modified and stay the default", network: "openvswitch-net", command: .modify, section: .portgroup,
             xml: "<portgroup name='bob' default='yes' trustGuestRxFilters='yes'/>",
             outcome: .changes(from: "<portgroup name='bob' default='yes'>\n    <vlan trunk='yes'>\n      <tag id='666'/>\n    </vlan>\n    <virtualport>\n      <parameters profileid='bob-profile'/>\n    </virtualport>\n  </portgroup>",
                               to: "<portgroup name='bob' default='yes' trustGuestRxFilters='yes'>\n  </portgroup>")),
        Case(name: "another group may not become the default", network: "openvswitch-net", command: .modify, section: .portgroup,
             xml: "<portgroup name='alice' default='yes'/>",
             outcome: .refused("a different portgroup entry in network 'openvswitch-net' is already set as the default (bob). Only one default is allowed.")),
        Case(name: "name is required", network: "openvswitch-net", command: .addLast, section: .portgroup, xml: "<portgroup/>",
             outcome: .refused("missing required attribute")),
        Case(name: "add is add-last", network: "openvswitch-net", command: .add, section: .portgroup, xml: "<portgroup name='carol'/>",
             outcome: .changes(from: "</portgroup>\n</network>", to: "</portgroup>\n  <portgroup name='carol'>\n  </portgroup>\n</network>")),
    ]

    static let dnsHostCases: [Case] = [
        Case(name: "insert-incomplete-host", network: "nat-network-dns-hosts", command: .addFirst, section: .dnsHost,
             xml: "<host>\n    <hostname>gateway</hostname>\n</host>", outcome: .refused("missing IP address in DNS host record")),
        Case(name: "insert-host (a hostname other records have too)", network: "nat-network-dns-hosts", command: .addFirst, section: .dnsHost,
             xml: "<host ip='f0:0d::f0:0d'>\n  <hostname>pudding</hostname>\n</host>",
             outcome: .changes(from: "<dns forwardPlainNames='no'>\n", to: "<dns forwardPlainNames='no'>\n    <host ip='f0:d::f0:d'>\n      <hostname>pudding</hostname>\n    </host>\n")),
        Case(name: "add-last of another shared name", network: "nat-network-dns-hosts", command: .addLast, section: .dnsHost,
             xml: "<host ip='192.168.122.3'><hostname>shared</hostname></host>",
             outcome: .changes(from: "      <hostname>names</hostname>\n    </host>\n  </dns>",
                               to: "      <hostname>names</hostname>\n    </host>\n    <host ip='192.168.122.3'>\n      <hostname>shared</hostname>\n    </host>\n  </dns>")),
        Case(name: "the same address twice", network: "nat-network-dns-hosts", command: .addLast, section: .dnsHost,
             xml: "<host ip='192.168.122.2'><hostname>other</hostname></host>",
             outcome: .refused("there is already at least one DNS HOST record with a matching field in network default")),
        Case(name: "delete-missing-unparsable-dns-host", network: "nat-network", command: .delete, section: .dnsHost,
             xml: "<host protocol='name'/>", outcome: .refused("missing ip and hostname in DNS host record")),
        Case(name: "delete-dns-host", network: "nat-network-dns-hosts", command: .delete, section: .dnsHost,
             xml: "<host>\n    <hostname>gateway</hostname>\n</host>",
             outcome: .changes(from: "    <host ip='192.168.122.1'>\n      <hostname>host</hostname>\n      <hostname>gateway</hostname>\n    </host>\n", to: "")),
        Case(name: "delete by address", network: "nat-network-dns-hosts", command: .delete, section: .dnsHost, xml: "<host ip='192.168.122.122'/>",
             outcome: .changes(from: "    <host ip='192.168.122.122'>\n      <hostname>pudding</hostname>\n    </host>\n", to: "")),
        Case(name: "delete of a name two records share", network: "nat-network-dns-hosts", command: .delete, section: .dnsHost,
             xml: "<host><hostname>shared</hostname></host>", outcome: .refused("multiple matching DNS HOST records were found in network default")),
        Case(name: "delete of nothing there", network: "nat-network-dns-hosts", command: .delete, section: .dnsHost,
             xml: "<host ip='10.9.9.9'/>", outcome: .refused("couldn't locate a matching DNS HOST record in network default")),
        Case(name: "modify-dns-host", network: "nat-network-dns-hosts", command: .modify, section: .dnsHost,
             xml: "<host ip='192.168.122.2'>\n  <hostname>Another</hostname>\n  <hostname>decent</hostname>\n  <hostname>names</hostname>\n</host>",
             outcome: .changes(from: "<host ip='192.168.122.2'>\n      <hostname>shared</hostname>\n      <hostname>names</hostname>",
                               to: "<host ip='192.168.122.2'>\n      <hostname>Another</hostname>\n      <hostname>decent</hostname>\n      <hostname>names</hostname>")),
        Case(name: "modify-dns-host-not-existing", network: "nat-network-dns-hosts", command: .modify, section: .dnsHost,
             xml: "<host ip='192.168.122.333'>\n  <hostname>shared</hostname>\n  <hostname>names</hostname>\n</host>",
             outcome: .refused("invalid IP address in DNS host record")),
        Case(name: "modify of an address no record has", network: "nat-network-dns-hosts", command: .modify, section: .dnsHost,
             xml: "<host ip='192.168.122.77'><hostname>shared</hostname></host>",
             outcome: .refused("couldn't locate a matching DNS HOST record in network default")),
        Case(name: "modify needs a whole record", network: "nat-network-dns-hosts", command: .modify, section: .dnsHost,
             xml: "<host ip='192.168.122.2'/>", outcome: .refused("missing hostname in DNS host record")),
        Case(name: "an empty hostname", network: "nat-network-dns-hosts", command: .addLast, section: .dnsHost,
             xml: "<host ip='192.168.122.9'><hostname></hostname></host>", outcome: .refused("missing hostname in DNS host record")),
        Case(name: "add is add-last", network: "nat-network-dns-hosts", command: .add, section: .dnsHost,
             xml: "<host ip='192.168.122.3'><hostname>three</hostname></host>",
             outcome: .changes(from: "      <hostname>names</hostname>\n    </host>\n  </dns>",
                               to: "      <hostname>names</hostname>\n    </host>\n    <host ip='192.168.122.3'>\n      <hostname>three</hostname>\n    </host>\n  </dns>")),
    ]

    static let txtExample = "<txt name='example' value='example value'/>"

    static let dnsTXTCases: [Case] = [
        Case(name: "insert-dns-txt-record", network: "nat-network-dns-txt-record", command: .addFirst, section: .dnsTXT,
             xml: "<txt name='snowman' value='water'/>", outcome: .changes(from: txtExample, to: "<txt name='snowman' value='water'/>\n    " + txtExample)),
        Case(name: "add-last", network: "nat-network-dns-txt-record", command: .addLast, section: .dnsTXT,
             xml: "<txt name='snowman' value='water'/>", outcome: .changes(from: txtExample, to: txtExample + "\n    <txt name='snowman' value='water'/>")),
        Case(name: "append-duplicate-dns-txt-record", network: "nat-network-dns-txt-record", command: .addLast, section: .dnsTXT, xml: txtExample,
             outcome: .refused("there is already a DNS TXT record with name 'example' in network default")),
        Case(name: "delete-dns-txt-record", network: "nat-network-dns-txt-record", command: .delete, section: .dnsTXT, xml: txtExample,
             outcome: .changes(from: "  <dns>\n    " + txtExample + "\n  </dns>\n", to: "")),
        Case(name: "delete by name alone", network: "nat-network-dns-txt-record", command: .delete, section: .dnsTXT, xml: "<txt name='example'/>",
             outcome: .changes(from: "  <dns>\n    " + txtExample + "\n  </dns>\n", to: "")),
        Case(name: "delete-missing-dns-txt-record", network: "nat-network-dns-txt-record", command: .delete, section: .dnsTXT,
             xml: "<txt name='snowman' value='water'/>", outcome: .refused("couldn't locate a matching DNS TXT record in network default")),
        Case(name: "modify-dns-txt-record", network: "nat-network-dns-txt-record", command: .modify, section: .dnsTXT,
             xml: "<txt name='example' value='modified example'/>", outcome: .changes(from: txtExample, to: "<txt name='example' value='modified example'/>")),
        Case(name: "modify-missing-dns-txt-record", network: "nat-network-dns-txt-record", command: .modify, section: .dnsTXT,
             xml: "<txt name='notexisted' value='modified example'/>", outcome: .refused("couldn't locate a matching DNS TXT record in network default")),
        Case(name: "modify needs the value", network: "nat-network-dns-txt-record", command: .modify, section: .dnsTXT,
             xml: "<txt name='example'/>", outcome: .refused("missing required attribute")),
        Case(name: "a name with a space", network: "nat-network-dns-txt-record", command: .addLast, section: .dnsTXT,
             xml: "<txt name='a b' value='x'/>", outcome: .refused("prohibited character (space or comma) in TXT record name")),
        Case(name: "add is add-last", network: "nat-network-dns-txt-record", command: .add, section: .dnsTXT,
             xml: "<txt name='snowman' value='water'/>", outcome: .changes(from: txtExample, to: txtExample + "\n    <txt name='snowman' value='water'/>")),
    ]

    static let dnsSRVCases: [Case] = [
        Case(name: "insert-first-srv-record-service", network: "nat-network", command: .addFirst, section: .dnsSRV, xml: srv,
             outcome: .changes(from: bridge, to: bridge + "  <dns>\n    " + srv + "\n  </dns>\n")),
        Case(name: "append-first-srv-record-service", network: "nat-network", command: .addLast, section: .dnsSRV, xml: srv,
             outcome: .changes(from: bridge, to: bridge + "  <dns>\n    " + srv + "\n  </dns>\n")),
        Case(name: "add-existing-dns-srv-record", network: "nat-network-dns-srv-record", command: .addLast, section: .dnsSRV, xml: srv,
             outcome: .refused("there is already at least one DNS SRV record matching all specified fields in network default")),
        Case(name: "append-srv-record-service", network: "nat-network-dns-srv-record", command: .addLast, section: .dnsSRV, xml: donkey,
             outcome: .changes(from: srv, to: srv + "\n    " + donkey)),
        Case(name: "port, priority and weight do not make a record different", network: "nat-network-dns-srv-record", command: .addLast,
             section: .dnsSRV, xml: "<srv service='name' protocol='tcp' domain='test-domain-name' target='.' port='99'/>",
             outcome: .refused("there is already at least one DNS SRV record matching all specified fields in network default")),
        Case(name: "delete-missing-srv-record-service", network: "nat-network", command: .delete, section: .dnsSRV, xml: "<srv service='name'/>",
             outcome: .refused("couldn't locate a matching DNS SRV record in network default")),
        Case(name: "delete-srv-record-invalid", network: "nat-network-dns-srv-record", command: .delete, section: .dnsSRV,
             xml: "<srv protocol='pudding'/>", outcome: .refused("couldn't locate a matching DNS SRV record in network default")),
        Case(name: "delete-srv-record-donkey", network: "nat-network-dns-srv-record", given: [(.addLast, .dnsSRV, donkey)], command: .delete,
             section: .dnsSRV, xml: donkey, outcome: .changes(from: srv + "\n    " + donkey, to: srv)),
        Case(name: "delete-ambiguous-srv-record-service", network: "nat-network-dns-srv-record", given: [(.addLast, .dnsSRV, donkey)],
             command: .delete, section: .dnsSRV, xml: "<srv service='name'/>",
             outcome: .refused("multiple DNS SRV records matching all specified fields were found in network default")),
        Case(name: "delete-srv-record-protocol", network: "nat-network-dns-srv-record", command: .delete, section: .dnsSRV, xml: "<srv protocol='tcp'/>",
             outcome: .changes(from: "  <dns>\n    " + srv + "\n  </dns>\n", to: "")),
        Case(name: "modify-srv-record-protocol", network: "nat-network-dns-srv-record", command: .modify, section: .dnsSRV,
             xml: "<srv service='name' protocol='tcp' domain='test-domain-name' target='.' port='1221' priority='42' weight='69'/>",
             outcome: .changes(from: srv, to: "<srv service='name' protocol='tcp' domain='test-domain-name' target='.' port='1221' priority='42' weight='69'/>")),
        Case(name: "modify-not-existing-srv-record", network: "nat-network-dns-srv-record", command: .modify, section: .dnsSRV,
             xml: "<srv service='name' protocol='tcp' domain='unknown-domain' target='.' port='666' priority='99' weight='10'/>",
             outcome: .refused("couldn't locate a matching DNS SRV record in network default")),
        Case(name: "modify of a record two match", network: "nat-network-dns-srv-record", given: [(.addLast, .dnsSRV, donkey)], command: .modify,
             section: .dnsSRV, xml: "<srv service='name' protocol='tcp' target='.' port='1'/>",
             outcome: .refused("multiple DNS SRV records matching all specified fields were found in network default")),
        Case(name: "add needs service and protocol", network: "nat-network", command: .addLast, section: .dnsSRV, xml: "<srv service='name'/>",
             outcome: .refused("missing required attribute")),
        Case(name: "add is add-last", network: "nat-network-dns-srv-record", command: .add, section: .dnsSRV, xml: donkey,
             outcome: .changes(from: srv, to: srv + "\n    " + donkey)),
    ]

    static let unsupportedCases: [Case] = Command.allCases.flatMap { command in
        [(Section.bridge, "bridge"), (.domain, "domain"), (.ip, "ip"), (.forward, "forward"), (.forwardPF, "forward pf")].map { section, name in
            Case(name: "not supported", network: "nat-network", command: command, section: section, xml: "<\(section.rawValue)/>",
                 outcome: .refused("can't update '\(name)' section of network 'default'"))
        }
    }

    static let cases = dhcpHostCases + dhcpRangeCases + forwardInterfaceCases + portGroupCases + dnsHostCases + dnsTXTCases + dnsSRVCases
        + unsupportedCases

    static func definition(_ network: String) throws -> NetworkDefinition {
        try NetworkXML.read(try ConformanceTests.text("in", network), level: .document).definition
    }

    @Test(arguments: cases)
    func updatesAsLibvirtDoes(_ testCase: Case) throws {
        var def = try Self.definition(testCase.network)
        for (command, section, xml) in testCase.given {
            def = try NetworkUpdater.apply(command, section: section, xml: xml, parentIndex: nil, to: def)
        }
        let before = def
        let formatted = NetworkXML.format(def)
        switch testCase.outcome {
        case .changes(let from, let to):
            let updated = try NetworkUpdater.apply(testCase.command, section: testCase.section, xml: testCase.xml,
                                                   parentIndex: testCase.parentIndex, to: def)
            #expect(formatted.contains(from), "the case's text is not in the network as formatted:\n\(formatted)")
            #expect(NetworkXML.format(updated) == formatted.replacingFirst(from, with: to), "got:\n\(NetworkXML.format(updated))")
            // libvirt's final format/parse cycle (virNetworkObjUpdate).
            do {
                _ = try NetworkXML.read(NetworkXML.format(updated), level: .document)
                #expect(testCase.final == nil, "the result should be refused: \(testCase.final ?? "")")
            } catch {
                #expect(error.message == testCase.final, "the result is refused: \(error.message)")
            }
        case .refused(let message):
            let error = #expect(throws: NetworkXMLError.self) {
                try NetworkUpdater.apply(testCase.command, section: testCase.section, xml: testCase.xml,
                                         parentIndex: testCase.parentIndex, to: def)
            }
            #expect(error?.message == message)
            // Each refusal names the element it is about, except that of a whole section.
            #expect((error?.element != nil) == !message.hasPrefix("can't update"), "\(error?.description ?? "")")
            #expect(def == before, "a refused update changes nothing")
        }
    }

    /// Every command of every section has at least one case.
    @Test func everySectionAndCommandIsCovered() {
        for section in Section.allCases {
            for command in Command.allCases {
                #expect(Self.cases.contains { $0.section == section && $0.command == command }, "\(section.rawValue) \(command.rawValue)")
            }
        }
    }

    @Test func aDeviceGuestsUseIsNotDeleted() throws {
        var def = try Self.definition("vepa-net")
        def.forward.interfaces[1].connections = 3
        let error = #expect(throws: NetworkXMLError.self) {
            try NetworkUpdater.apply(.delete, section: .forwardInterface, xml: "<interface dev='eth2'/>", parentIndex: nil, to: def)
        }
        #expect(error?.message == "unable to delete interface 'eth2' in network 'vepa-net'. It is currently being used by 3 domains.")
    }

    @Test func malformedXMLNamesTheSection() throws {
        let error = #expect(throws: NetworkXMLError.self) {
            try NetworkUpdater.apply(.addLast, section: .ipDHCPHost, xml: "<host", parentIndex: nil, to: try Self.definition("nat-network"))
        }
        #expect(error?.message.hasPrefix("malformed XML for section 'ip-dhcp-host': ") == true)
    }

    /// With no parentIndex the `<ip>` with DHCP is chosen, else the first IPv4 one, else the
    /// first IPv6 one (virNetworkIPDefByIndex).
    @Test func theParentIsChosenAsLibvirtChoosesIt() throws {
        var def = try Self.definition("nat-network")
        def.ips[0].dhcp = DHCPDefinition()
        def = try NetworkUpdater.apply(.addLast, section: .ipDHCPRange, xml: "<range start='192.168.122.2' end='192.168.122.9'/>", parentIndex: nil, to: def)
        #expect(def.ips[0].dhcp.ranges.count == 1)
        def.ips = def.ips.filter { !$0.isIPv4 }
        def = try NetworkUpdater.apply(.addLast, section: .ipDHCPRange, xml: "<range start='2001:db8:ac10:fe01::2' end='2001:db8:ac10:fe01::9'/>",
                                       parentIndex: nil, to: def)
        #expect(def.ips[0].dhcp.ranges.count == 1)
        def.ips = []
        let error = #expect(throws: NetworkXMLError.self) {
            try NetworkUpdater.apply(.addLast, section: .ipDHCPRange, xml: "<range start='10.0.0.2' end='10.0.0.9'/>", parentIndex: nil, to: def)
        }
        #expect(error?.message == "couldn't update dhcp range entry - no <ip> element found in network 'default'")
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
