import LibvirtXML
import NWFilter
import PatchbayModel
import Testing

/// The language's rules one by one, beyond what libvirt's own cases show.
@Suite struct NWFilterXMLTests {
    static let uuid = "5c6d49af-b071-6127-b4ec-6f8ed4b55335"

    func roundTrip(_ body: String, chain: String = "", file: String = #fileID) throws -> String {
        let filter = try NWFilterXMLParser.parse("<filter name='t'\(chain)><uuid>\(Self.uuid)</uuid>\(body)</filter>")
        let text = NWFilterXMLFormatter.format(filter)
        // Written output is a fixed point (the model may differ: `0x800` comes back as `ipv4`).
        #expect(NWFilterXMLFormatter.format(try NWFilterXMLParser.parse(text)) == text)
        return text.split(separator: "\n").dropFirst(2).dropLast().map { String($0.drop(while: { $0 == " " })) }.joined(separator: "\n")
    }

    func rejects(_ body: String, attribute: String? = nil, chain: String = "") -> NetworkXMLError? {
        let error = #expect(throws: NetworkXMLError.self) {
            try NWFilterXMLParser.parse("<filter name='t'\(chain)><uuid>\(Self.uuid)</uuid>\(body)</filter>")
        }
        if let attribute { #expect(error?.attribute == attribute, "\(error.map(String.init(describing:)) ?? "")") }
        return error
    }

    @Test func numbersKeepTheBaseTheyWereWrittenIn() throws {
        let text = try roundTrip("<rule action='accept' direction='out'><stp type='12' flags='0x44' root-cost='ff' port='0X10'/></rule>")
        #expect(text.contains("<stp type='12' flags='0x44' root-cost='0xff' port='0x10'/>"))
    }

    @Test func symbolicValuesAreWrittenByName() throws {
        let text = try roundTrip("""
            <rule action='accept' direction='out'><mac protocolid='0x800'/></rule>
            <rule action='accept' direction='out'><mac protocolid='2054'/></rule>
            <rule action='accept' direction='out'><mac protocolid='1536'/></rule>
            <rule action='accept' direction='out'><ip protocol='6'/></rule>
            <rule action='accept' direction='out'><ip protocol='99'/></rule>
            <rule action='accept' direction='out'><ip protocol='UDP'/></rule>
            <rule action='accept' direction='out'><arp opcode='reply'/></rule>
            <rule action='accept' direction='out'><arp opcode='0x10'/></rule>
            """)
        for expected in ["<mac protocolid='ipv4'/>", "<mac protocolid='arp'/>", "<mac protocolid='1536'/>", "<ip protocol='tcp'/>",
                         "<ip protocol='99'/>", "<ip protocol='udp'/>", "<arp opcode='Reply'/>", "<arp opcode='16'/>"] {
            #expect(text.contains(expected), "\(expected) in \(text)")
        }
    }

    @Test func masksAreWrittenAsPrefixLengths() throws {
        let text = try roundTrip("""
            <rule action='drop' direction='out'><ip srcipaddr='10.0.0.0' srcipmask='255.0.0.0'/></rule>
            <rule action='drop' direction='out'><ipv6 srcipaddr='fe80::' srcipmask='ffc0::'/></rule>
            """)
        #expect(text.contains("<ip srcipaddr='10.0.0.0' srcipmask='8'/>"))
        #expect(text.contains("<ipv6 srcipaddr='fe80::' srcipmask='10'/>"))
        _ = rejects("<rule action='drop' direction='out'><ip srcipmask='255.0.255.0'/></rule>", attribute: "srcipmask")
        _ = rejects("<rule action='drop' direction='out'><ip srcipmask='33'/></rule>", attribute: "srcipmask")
        _ = rejects("<rule action='drop' direction='out'><mac srcmacmask='ff:00:ff:00:00:00'/></rule>", attribute: "srcmacmask")
    }

    @Test func ipv4InIPv6IsWrittenAsGlibcDoes() throws {
        let text = try roundTrip("<rule action='drop' direction='out'><ipv6 srcipaddr='::FFFF:10.1.2.3' dstipaddr='::10.1.2.3'/></rule>")
        #expect(text.contains("srcipaddr='::ffff:10.1.2.3' dstipaddr='::10.1.2.3'"))
    }

    @Test func variablesAndIterators() throws {
        let text = try roundTrip("<rule action='accept' direction='out'><tcp srcipaddr='$IP[@0]' dstipaddr='$A[ 2 ]' srcportstart='$P[@3]'/></rule>")
        #expect(text.contains("<tcp srcipaddr='$IP' dstipaddr='$A[2]' srcportstart='$P[@3]'/>"))
        let filter = try NWFilterXMLParser.parse("<filter name='t'><rule action='accept' direction='out'><udp srcipaddr='$IP' dstipaddr='$IP'/></rule></filter>")
        #expect(filter.rules.first?.match?.variables == [NWFilterVariableAccess(name: "IP")])
        _ = rejects("<rule action='accept' direction='out'><tcp srcipaddr='$IP[@1001]'/></rule>", attribute: "srcipaddr")
        _ = rejects("<rule action='accept' direction='out'><tcp srcipaddr='$IP[x]'/></rule>", attribute: "srcipaddr")
        _ = rejects("<rule action='accept' direction='out'><tcp srcipaddr='$'/></rule>", attribute: "srcipaddr")
    }

    @Test func negationFollowsWhatItQualifies() throws {
        // The mask takes the address's negation; a lone negated port keeps its own.
        let text = try roundTrip("""
            <rule action='drop' direction='out'><ip match='no' srcipaddr='10.0.0.1'/><ip srcipmask='24'/></rule>
            <rule action='drop' direction='out'><tcp match='no' dstportstart='22'/></rule>
            """)
        #expect(text.contains("<ip match='no' srcipaddr='10.0.0.1' srcipmask='24'/>"))
        #expect(text.contains("<tcp match='no' dstportstart='22'/>"))
    }

    @Test func onlyTheFirstProtocolElementCounts() throws {
        let text = try roundTrip("<rule action='accept' direction='in'><udp dstportstart='53'/><tcp dstportstart='80'/><udp srcportstart='1'/></rule>")
        #expect(text.contains("<udp srcportstart='1' dstportstart='53'/>"))
        #expect(!text.contains("tcp"))
    }

    @Test func ruleDefaults() throws {
        let text = try roundTrip("""
            <rule action='drop' direction='inout' priority='1001'/>
            <rule action='return' direction='in' priority='-1000' statematch='FALSE'><all/></rule>
            <rule action='continue' direction='out' priority='x' statematch='0'/>
            """)
        #expect(text.contains("<rule action='drop' direction='inout' priority='500'/>"))
        #expect(text.contains("<rule action='return' direction='in' priority='-1000' statematch='false'>"))
        #expect(text.contains("<rule action='continue' direction='out' priority='500' statematch='false'/>"))
        _ = rejects("<rule direction='in'/>", attribute: "action")
        _ = rejects("<rule action='permit' direction='in'/>", attribute: "action")
        _ = rejects("<rule action='drop'/>", attribute: "direction")
        _ = rejects("<rule action='drop' direction='both'/>", attribute: "direction")
    }

    @Test func statesFlagsAndSets() throws {
        let text = try roundTrip("""
            <rule action='accept' direction='out'><tcp state='established, new' flags='SYN,ACK/syn'/></rule>
            <rule action='accept' direction='out'><tcp state='NEW,NONE' flags='ALL/NONE'/></rule>
            <rule action='accept' direction='out'><udp ipset='web_set'/></rule>
            <rule action='accept' direction='out'><udp ipsetflags='dst'/></rule>
            <rule action='accept' direction='out'><arp gratuitous='yes'/></rule>
            """)
        #expect(text.contains("<tcp state='NEW,ESTABLISHED' flags='SYN,ACK/SYN'/>"))
        #expect(text.contains("<tcp state='NONE' flags='ALL/NONE'/>"))
        #expect(text.contains("<udp ipset='web_set' ipsetflags='src'/>"))
        #expect(text.contains("<udp/>"))
        #expect(text.contains("<arp gratuitous='true'/>"))
        _ = rejects("<rule action='accept' direction='out'><tcp state='OPEN'/></rule>", attribute: "state")
        _ = rejects("<rule action='accept' direction='out'><tcp flags='SYN'/></rule>", attribute: "flags")
        _ = rejects("<rule action='accept' direction='out'><udp ipset='a/b'/></rule>", attribute: "ipset")
        _ = rejects("<rule action='accept' direction='out'><udp ipset='s' ipsetflags='src,dst,src,dst,src,dst,src'/></rule>",
                    attribute: "ipsetflags")
    }

    @Test func portsInIPRulesNeedAPortProtocol() throws {
        _ = try roundTrip("<rule action='accept' direction='out'><ip protocol='sctp' dstportstart='9'/></rule>")
        _ = rejects("<rule action='accept' direction='out'><ip dstportstart='9'/></rule>", attribute: "protocol")
        _ = rejects("<rule action='accept' direction='out'><ipv6 protocol='icmpv6' dstportstart='9'/></rule>", attribute: "protocol")
    }

    @Test func commentsAreEscapedAndCutAt256Bytes() throws {
        let long = String(repeating: "é", count: 200)
        let text = try roundTrip("<rule action='accept' direction='out'><udp comment='a&lt;b &apos;c&apos; \(long)'/></rule>")
        #expect(text.contains("comment='a&lt;b &apos;c&apos; "))
        let filter = try NWFilterXMLParser.parse("<filter name='t'><rule action='accept' direction='out'><udp comment='\(long)'/></rule></filter>")
        guard case .text(let comment)? = filter.rules.first?.match?[.comment]?.value else { Issue.record("no comment"); return }
        #expect(comment.utf8.count == 256 && comment.count == 128)
    }

    @Test func chainsAndPriorities() throws {
        let arp = try NWFilterXMLParser.parse("<filter name='t' chain='arp-ip'/>")
        #expect(arp.chain.kind == .arp && arp.chainPriority == -500)
        #expect(NWFilterXMLFormatter.format(arp).hasPrefix("<filter name='t' chain='arp-ip' priority='-500'>"))
        let given = try NWFilterXMLParser.parse("<filter name='t' chain='ipv4' priority='-710'/>")
        #expect(given.chainPriority == -710)
        let rootWithPriority = try NWFilterXMLParser.parse("<filter name='t' priority='10'/>")
        #expect(NWFilterXMLFormatter.format(rootWithPriority).hasPrefix("<filter name='t' chain='root'>"))
        _ = rejects("", attribute: "chain", chain: " chain='rootx'")
        _ = rejects("", attribute: "chain", chain: " chain='tcp'")
        _ = rejects("", attribute: "chain", chain: " chain='ipv4-toolong12'")
        _ = rejects("", attribute: "priority", chain: " chain='mac' priority='1001'")
        #expect(throws: NetworkXMLError.self) { try NWFilterXMLParser.parse("<filter/>") }
        #expect(throws: NetworkXMLError.self) { try NWFilterXMLParser.parse("<filter name='a b'/>") }
        #expect(throws: NetworkXMLError.self) { try NWFilterXMLParser.parse("<network name='a'/>") }
        #expect(throws: NetworkXMLError.self) { try NWFilterXMLParser.parse("<filter name='a'><uuid>x</uuid></filter>") }
    }

    @Test func aMissingUUIDIsGenerated() throws {
        let fixed = NetworkUUID(Self.uuid)!
        let filter = try NWFilterXMLParser.parse("<filter name='t'/>", generateUUID: { fixed })
        #expect(filter.uuid == fixed && !filter.uuidSpecified)
    }

    @Test func referencesAndParameters() throws {
        let text = try roundTrip("<filterref filter='clean-traffic'><parameter name='IP' value='10.0.0.2'/></filterref><filterref filter='allow-arp'/>")
        #expect(text == "<filterref filter='clean-traffic'>\n<parameter name='IP' value='10.0.0.2'/>\n</filterref>\n<filterref filter='allow-arp'/>")
        _ = rejects("<filterref/>", attribute: "filter")
        _ = rejects("<filterref filter='x'><parameter name='I P' value='1'/></filterref>", attribute: "name")
        _ = rejects("<filterref filter='x'><parameter name='IP' value=''/></filterref>", attribute: "value")
        _ = rejects("<filterref filter='x'><parameter name='IP'/></filterref>", attribute: "value")
    }

    @Test func everyProtocolElementParses() throws {
        for proto in NWFilterProtocol.allCases {
            let filter = try NWFilterXMLParser.parse("<filter name='t'><rule action='accept' direction='inout'><\(proto.rawValue)/></rule></filter>")
            #expect(filter.rules.first?.match?.protocol == proto)
            #expect(NWFilterXMLFormatter.format(filter).contains("<\(proto.rawValue)/>"))
        }
    }
}
