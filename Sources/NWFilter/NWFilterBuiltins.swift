import PatchbayModel

/// The filters Patchbay ships, under the names and with the behaviour of the 24 libvirt
/// installs in /etc/libvirt/nwfilter (src/nwfilter/xml), so that a guest's
/// `<filterref filter='clean-traffic'/>` means here what it means under libvirt. Each one's
/// compiled rules are checked against libvirt's own file in the tests.
///
/// They are read-only defaults: a filter of the same name defined by the user, or read from
/// /etc/libvirt/nwfilter, takes precedence.
public enum NWFilterBuiltins {
    public static let definitions: [String: NWFilterDefinition] = {
        var out: [String: NWFilterDefinition] = [:]
        for text in sources {
            // The sources are constants checked by the tests; a failure here is a build defect.
            guard let parsed = try? NWFilterXMLParser.parse(text, generateUUID: { NetworkUUID.random() }) else {
                preconditionFailure("built-in nwfilter does not parse:\n\(text)")
            }
            var definition = parsed
            definition.uuid = stableUUID(definition.name)
            out[definition.name] = definition
        }
        return out
    }()

    public static var names: [String] { definitions.keys.sorted() }

    /// The same UUID for a built-in on every host and every start (FNV-1a of the name, shaped
    /// as a version 8 UUID), so `nwfilter-list` does not change under the user.
    static func stableUUID(_ name: String) -> NetworkUUID {
        func fnv(_ seed: UInt64) -> UInt64 {
            var hash = seed
            for b in name.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
            return hash
        }
        var bytes: [UInt8] = []
        for word in [fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4)] {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return NetworkUUID(bytes: bytes)!
    }

    static let sources: [String] = [
        // The whole set of guest anti-spoofing protections: its own MAC, its own IPv4
        // addresses, honest ARP, IPv4 in both directions, nothing else at layer 2 except the
        // announcement QEMU sends after migration.
        """
        <filter name='clean-traffic' chain='root'>
          <filterref filter='no-mac-spoofing'/>
          <filterref filter='no-ip-spoofing'/>
          <rule action='accept' direction='out' priority='-650'><mac protocolid='ipv4'/></rule>
          <filterref filter='allow-incoming-ipv4'/>
          <filterref filter='no-arp-spoofing'/>
          <rule action='accept' direction='inout' priority='-500'><mac protocolid='arp'/></rule>
          <filterref filter='no-other-l2-traffic'/>
          <filterref filter='qemu-announce-self'/>
        </filter>
        """,
        // As clean-traffic, but the guest talks at layer 2 only with its gateway ($GATEWAY_MAC).
        """
        <filter name='clean-traffic-gateway' chain='root'>
          <filterref filter='no-mac-spoofing'/>
          <filterref filter='no-ip-spoofing'/>
          <filterref filter='no-arp-spoofing'/>
          <rule action='accept' direction='inout' priority='-500'><mac protocolid='arp'/></rule>
          <rule action='accept' direction='in'><mac srcmacaddr='$GATEWAY_MAC'/></rule>
          <rule action='accept' direction='out'><mac dstmacaddr='$GATEWAY_MAC'/></rule>
          <filterref filter='no-other-l2-traffic'/>
          <filterref filter='qemu-announce-self'/>
        </filter>
        """,
        """
        <filter name='no-mac-spoofing' chain='mac' priority='-800'>
          <rule action='return' direction='out'><mac srcmacaddr='$MAC'/></rule>
          <rule action='drop' direction='out'><mac/></rule>
        </filter>
        """,
        // DHCP discovery comes from 0.0.0.0 before the guest has an address.
        """
        <filter name='no-ip-spoofing' chain='ipv4-ip' priority='-710'>
          <rule action='return' direction='out' priority='100'><ip srcipaddr='0.0.0.0' protocol='udp'/></rule>
          <rule action='return' direction='out' priority='500'><ip srcipaddr='$IP'/></rule>
          <rule action='drop' direction='out' priority='1000'/>
        </filter>
        """,
        // DHCPv6 and neighbour discovery start from the link-local address.
        """
        <filter name='no-ipv6-spoofing' chain='ipv6-ip' priority='-610'>
          <rule action='return' direction='out' priority='100'><ipv6 srcipaddr='fe80::' srcipmask='10' protocol='udp'/></rule>
          <rule action='return' direction='out' priority='500'><ipv6 srcipaddr='$IPV6'/></rule>
          <rule action='drop' direction='out' priority='1000'/>
        </filter>
        """,
        """
        <filter name='no-arp-spoofing' chain='root'>
          <filterref filter='no-arp-mac-spoofing'/>
          <filterref filter='no-arp-ip-spoofing'/>
        </filter>
        """,
        """
        <filter name='no-arp-mac-spoofing' chain='arp-mac' priority='-520'>
          <rule action='return' direction='out' priority='350'><arp arpsrcmacaddr='$MAC'/></rule>
          <rule action='drop' direction='out' priority='1000'/>
        </filter>
        """,
        """
        <filter name='no-arp-ip-spoofing' chain='arp-ip' priority='-510'>
          <rule action='return' direction='out' priority='400'><arp arpsrcipaddr='$IP'/></rule>
          <rule action='drop' direction='out' priority='1000'/>
        </filter>
        """,
        """
        <filter name='no-other-l2-traffic' chain='root'>
          <rule action='drop' direction='inout' priority='1000'/>
        </filter>
        """,
        """
        <filter name='no-other-rarp-traffic' chain='rarp'>
          <rule action='drop' direction='inout' priority='1000'/>
        </filter>
        """,
        // Older QEMU announced a migrated guest with EtherType 0x835; current QEMU sends RARP.
        """
        <filter name='qemu-announce-self' chain='root'>
          <rule action='accept' direction='out'><mac protocolid='0x835'/></rule>
          <filterref filter='qemu-announce-self-rarp'/>
          <filterref filter='no-other-rarp-traffic'/>
        </filter>
        """,
        // The RARP request QEMU broadcasts for the guest after migration, and its echo.
        """
        <filter name='qemu-announce-self-rarp' chain='rarp'>
          <rule action='accept' direction='out' priority='500'>
            <rarp opcode='Request_Reverse' srcmacaddr='$MAC' dstmacaddr='ff:ff:ff:ff:ff:ff'
                  arpsrcmacaddr='$MAC' arpdstmacaddr='$MAC' arpsrcipaddr='0.0.0.0' arpdstipaddr='0.0.0.0'/>
          </rule>
          <rule action='accept' direction='in' priority='500'>
            <rarp opcode='Request_Reverse' dstmacaddr='ff:ff:ff:ff:ff:ff'
                  arpsrcmacaddr='$MAC' arpdstmacaddr='$MAC' arpsrcipaddr='0.0.0.0' arpdstipaddr='0.0.0.0'/>
          </rule>
        </filter>
        """,
        "<filter name='allow-arp' chain='arp'><rule action='accept' direction='inout'/></filter>",
        "<filter name='allow-ipv4' chain='ipv4'><rule action='accept' direction='inout'/></filter>",
        "<filter name='allow-ipv6' chain='ipv6'><rule action='accept' direction='inout'/></filter>",
        "<filter name='allow-incoming-ipv4' chain='ipv4'><rule action='accept' direction='in'/></filter>",
        "<filter name='allow-incoming-ipv6' chain='ipv6'><rule action='accept' direction='in'/></filter>",
        // Client to any server, replies from any server; priority 100 puts it ahead of rules
        // about broadcasts.
        """
        <filter name='allow-dhcp' chain='ipv4'>
          <rule action='accept' direction='out' priority='100'>
            <ip srcipaddr='0.0.0.0' dstipaddr='255.255.255.255' protocol='udp' srcportstart='68' dstportstart='67'/>
          </rule>
          <rule action='accept' direction='in' priority='100'><ip protocol='udp' srcportstart='67' dstportstart='68'/></rule>
        </filter>
        """,
        // Replies only from the trusted servers in $DHCPSERVER.
        """
        <filter name='allow-dhcp-server' chain='ipv4'>
          <rule action='accept' direction='out' priority='100'>
            <ip srcipaddr='0.0.0.0' dstipaddr='255.255.255.255' protocol='udp' srcportstart='68' dstportstart='67'/>
          </rule>
          <rule action='accept' direction='in' priority='100'>
            <ip srcipaddr='$DHCPSERVER' protocol='udp' srcportstart='67' dstportstart='68'/>
          </rule>
        </filter>
        """,
        // RFC 8415 §7.1: clients send from link-local to All_DHCP_Relay_Agents_and_Servers.
        """
        <filter name='allow-dhcpv6' chain='ipv6'>
          <rule action='accept' direction='out' priority='100'>
            <ipv6 srcipaddr='fe80::' srcipmask='10' dstipaddr='ff02::1:2' protocol='udp' srcportstart='546' dstportstart='547'/>
          </rule>
          <rule action='accept' direction='in' priority='100'><ipv6 protocol='udp' srcportstart='547' dstportstart='546'/></rule>
        </filter>
        """,
        // libvirt reads the IPv6 servers from $DHCPSERVER too (DHCPSERVERV6 was never done).
        """
        <filter name='allow-dhcpv6-server' chain='ipv6'>
          <rule action='accept' direction='out' priority='100'>
            <ipv6 srcipaddr='fe80::' srcipmask='10' dstipaddr='ff02::1:2' protocol='udp' srcportstart='546' dstportstart='547'/>
          </rule>
          <rule action='accept' direction='in' priority='100'>
            <ipv6 srcipaddr='$DHCPSERVER' protocol='udp' srcportstart='547' dstportstart='546'/>
          </rule>
        </filter>
        """,
        "<filter name='no-ip-multicast' chain='ipv4'><rule action='drop' direction='out'><ip dstipaddr='224.0.0.0' dstipmask='4'/></rule></filter>",
        "<filter name='no-ipv6-multicast' chain='ipv6'><rule action='drop' direction='out'><ipv6 dstipaddr='ff00::' dstipmask='8'/></rule></filter>",
        "<filter name='no-mac-broadcast' chain='ipv4'><rule action='drop' direction='out'><mac dstmacaddr='ff:ff:ff:ff:ff:ff'/></rule></filter>",
    ]
}
