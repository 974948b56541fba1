import DNSServer
import DNSWire
import LibvirtXML
import PatchbayModel
import Testing

/// The server's decisions against a network definition, as dnsmasq under libvirt makes them.
@Suite struct DNSResponderTests {
    static let xml = """
        <network>
          <name>lab</name>
          <domain name='lab.test'/>
          <dns forwardPlainNames='no'>
            <forwarder domain='corp.example' addr='192.0.2.53'/>
            <forwarder domain='blocked.example'/>
            <txt name='info' value='patchbay lab'/>
            <srv service='http' protocol='tcp' domain='lab.test' target='web.lab.test' port='80' priority='10' weight='5'/>
            <host ip='10.77.0.9'><hostname>web</hostname><hostname>www</hostname></host>
            <host ip='fd00:77::9'><hostname>web</hostname></host>
          </dns>
          <ip address='10.77.0.1' netmask='255.255.255.0' localPtr='yes'>
            <dhcp><range start='10.77.0.100' end='10.77.0.150'/></dhcp>
          </ip>
          <ip family='ipv6' address='fd00:77::1' prefix='64'/>
        </network>
        """
    static let resolvers = [DNSUpstream(address: IPAddress("198.51.100.1")!)]
    static let guest = IPAddress("10.77.0.100")!

    static func zone(_ xml: String = xml) throws -> DNSZone {
        let definition = try NetworkXMLParser.parse(xml).definition
        var zone = try DNSZone(network: definition, hostResolvers: resolvers)
        zone.update(lease: DHCPLease(network: "lab", mac: MACAddress("52:54:00:77:00:01")!, ip: IPv4Address("10.77.0.100")!,
                                     hostname: "alpha", expiresAt: nil))
        return zone
    }

    static func query(_ name: String, _ type: DNSType, edns: Bool = false, id: UInt16 = 0x1234) throws -> DNSMessage {
        var message = DNSMessage(header: DNSHeader(id: id, recursionDesired: true),
                                 questions: [DNSQuestion(name: try DNSName(name), type: type)])
        if edns { message.edns = EDNS(udpPayloadSize: 4096) }
        return message
    }

    static func answer(_ name: String, _ type: DNSType, zone: DNSZone? = nil, client: IPAddress = guest,
                       edns: Bool = false) throws -> DNSMessage {
        let decision = DNSResponder.decide(try query(name, type, edns: edns), zone: try zone ?? Self.zone(), client: client)
        guard case .answer(let message) = decision else {
            Issue.record("expected an answer, got \(decision)")
            return DNSMessage()
        }
        return message
    }

    @Test func leaseNamesResolvePlainAndUnderTheDomain() throws {
        for name in ["alpha", "alpha.lab.test", "ALPHA.Lab.Test"] {
            let reply = try Self.answer(name, .a)
            #expect(reply.responseCode == .noError)
            #expect(reply.header.isAuthoritative)
            #expect(reply.header.recursionAvailable)
            #expect(reply.header.recursionDesired)
            #expect(reply.header.id == 0x1234)
            #expect(reply.answers == [DNSRecord(name: try DNSName(name), ttl: 0, data: .a(IPv4Address("10.77.0.100")!))])
            // The question is echoed with the client's own spelling.
            #expect(reply.questions.first?.name.description == name)
        }
    }

    @Test func aKnownNameWithoutTheTypeAskedIsNoData() throws {
        let reply = try Self.answer("alpha.lab.test", .aaaa)
        #expect(reply.responseCode == .noError)
        #expect(reply.answers.isEmpty)
    }

    @Test func hostEntriesHaveAddressesOfBothFamiliesAndEveryName() throws {
        #expect(try Self.answer("web.lab.test", .a).answers.map(\.data) == [.a(IPv4Address("10.77.0.9")!)])
        #expect(try Self.answer("www", .a).answers.map(\.data) == [.a(IPv4Address("10.77.0.9")!)])
        #expect(try Self.answer("web", .aaaa).answers.map(\.data) == [.aaaa(IPv6Address("fd00:77::9")!)])
        #expect(try Self.answer("web", .any).answers.count == 2)
    }

    @Test func pointersForHostsAndLeases() throws {
        #expect(try Self.answer("9.0.77.10.in-addr.arpa", .ptr).answers.map(\.data) == [.ptr(try DNSName("web.lab.test"))])
        #expect(try Self.answer("100.0.77.10.in-addr.arpa", .ptr).answers.map(\.data) == [.ptr(try DNSName("alpha.lab.test"))])
        let v6 = DNSName(reverseFor: IPAddress("fd00:77::9")!)
        #expect(try Self.answer(v6.description, .ptr).answers.map(\.data) == [.ptr(try DNSName("web.lab.test"))])
    }

    @Test func localPtrKeepsUnknownReverseLookupsOfTheSubnetHere() throws {
        let reply = try Self.answer("77.0.77.10.in-addr.arpa", .ptr)
        #expect(reply.responseCode == .nxDomain)
        // Outside the subnet, the question goes upstream.
        let decision = DNSResponder.decide(try Self.query("1.2.0.192.in-addr.arpa", .ptr), zone: try Self.zone(), client: Self.guest)
        #expect(decision == .forward(Self.resolvers))
    }

    @Test func srvAndTxt() throws {
        let srv = try Self.answer("_http._tcp.lab.test", .srv)
        #expect(srv.answers.map(\.data) == [.srv(DNSSRVData(priority: 10, weight: 5, port: 80, target: try DNSName("web.lab.test")))])
        let txt = try Self.answer("info.lab.test", .txt)
        #expect(txt.answers.map(\.data) == [.text("patchbay lab")])
    }

    @Test func forwardingFollowsTheForwarders() throws {
        let zone = try Self.zone()
        #expect(DNSResponder.decide(try Self.query("www.example.org", .a), zone: zone, client: Self.guest) == .forward(Self.resolvers))
        #expect(DNSResponder.decide(try Self.query("git.corp.example", .a), zone: zone, client: Self.guest)
                == .forward([DNSUpstream(address: IPAddress("192.0.2.53")!)]))
        #expect(try Self.answer("x.blocked.example", .a).responseCode == .nxDomain)
        // forwardPlainNames='no': an unknown single label is not sent anywhere.
        #expect(try Self.answer("printer", .a).responseCode == .nxDomain)
        // Without localOnly, an unknown name of the domain still goes upstream.
        #expect(DNSResponder.decide(try Self.query("ghost.lab.test", .a), zone: zone, client: Self.guest) == .forward(Self.resolvers))
    }

    @Test func localOnlyAnswersNXDomainForTheDomain() throws {
        let xml = Self.xml.replacingOccurrences(of: "<domain name='lab.test'/>", with: "<domain name='lab.test' localOnly='yes'/>")
        let reply = try Self.answer("ghost.lab.test", .a, zone: try Self.zone(xml))
        #expect(reply.responseCode == .nxDomain)
        #expect(reply.header.isAuthoritative)
    }

    @Test func generalForwardersReplaceTheHostResolvers() throws {
        let xml = Self.xml.replacingOccurrences(of: "<forwarder domain='blocked.example'/>",
                                                with: "<forwarder domain='blocked.example'/><forwarder addr='203.0.113.7'/>")
        let decision = DNSResponder.decide(try Self.query("example.org", .a), zone: try Self.zone(xml), client: Self.guest)
        #expect(decision == .forward([DNSUpstream(address: IPAddress("203.0.113.7")!)]))
    }

    @Test func noUpstreamMeansServFail() throws {
        var zone = try Self.zone()
        zone.upstreams = []
        #expect(try Self.answer("example.org", .a, zone: zone).responseCode == .servFail)
    }

    /// Not even an error goes back to a client outside the network: the server reflects nothing
    /// to whoever can route to its address (and EDNS or opcode errors are no exception).
    @Test func clientsOutsideTheNetworkGetNoAnswer() throws {
        let outsider = IPAddress("192.0.2.1")!
        #expect(DNSResponder.decide(try Self.query("alpha", .a), zone: try Self.zone(), client: outsider) == .drop)
        var badVersion = try Self.query("alpha", .a, edns: true)
        badVersion.edns?.version = 1
        #expect(DNSResponder.decide(badVersion, zone: try Self.zone(), client: outsider) == .drop)
        #expect(try Self.answer("alpha", .a, client: IPAddress("127.0.0.1")!).responseCode == .noError)
        #expect(try Self.answer("alpha", .a, client: IPAddress("fd00:77::42")!).responseCode == .noError)
    }

    @Test func ednsIsAnsweredWithOurOwnOPTAndUnknownVersionsGetBADVERS() throws {
        let reply = try Self.answer("alpha", .a, edns: true)
        #expect(reply.edns?.udpPayloadSize == DNSResponder.advertisedUDPSize)
        var query = try Self.query("alpha", .a)
        query.edns = EDNS(version: 1)
        guard case .answer(let bad) = DNSResponder.decide(query, zone: try Self.zone(), client: Self.guest) else {
            Issue.record("no answer")
            return
        }
        #expect(bad.responseCode == .badVers)
        #expect(bad.edns?.version == 0)
        #expect(try DNSMessage.parse(bad.encoded()).responseCode == .badVers)
    }

    @Test func malformedAndOddQueries() throws {
        let zone = try Self.zone()
        var response = try Self.query("alpha", .a)
        response.header.isResponse = true
        #expect(DNSResponder.decide(response, zone: zone, client: Self.guest) == .drop)
        var notify = try Self.query("alpha", .a)
        notify.header.opcode = DNSOpcode(rawValue: 4)
        #expect(try Self.answer(for: notify, zone: zone).responseCode == .notImp)
        var two = try Self.query("alpha", .a)
        two.questions.append(two.questions[0])
        #expect(try Self.answer(for: two, zone: zone).responseCode == .formErr)
        #expect(try Self.answer("lab.test", DNSType(252)).responseCode == .notImp)
        var chaos = try Self.query("version.bind", .txt)
        chaos.questions[0].class = DNSClass(rawValue: 3)
        #expect(try Self.answer(for: chaos, zone: zone).responseCode == .refused)
        // Garbage after a readable header: FORMERR with the same ID; not even a header: nothing.
        let formErr = try #require(DNSResponder.formatError(for: [0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xFF]))
        let parsed = try DNSMessage.parse(formErr)
        #expect(parsed.header.id == 0xABCD)
        #expect(parsed.responseCode == .formErr)
        #expect(DNSResponder.formatError(for: [1, 2, 3]) == nil)
    }

    static func answer(for query: DNSMessage, zone: DNSZone) throws -> DNSMessage {
        guard case .answer(let message) = DNSResponder.decide(query, zone: zone, client: guest) else {
            Issue.record("expected an answer")
            return DNSMessage()
        }
        return message
    }

    @Test func leaseNamesFollowTheLeases() throws {
        var zone = try Self.zone()
        // A second client takes the name: the newest lease wins.
        zone.update(lease: DHCPLease(network: "lab", mac: MACAddress("52:54:00:77:00:02")!, ip: IPv4Address("10.77.0.101")!,
                                     hostname: "alpha", expiresAt: nil))
        #expect(try Self.answer("alpha", .a, zone: zone).answers.map(\.data) == [.a(IPv4Address("10.77.0.101")!)])
        #expect(try Self.answer("100.0.77.10.in-addr.arpa", .ptr, zone: zone).responseCode == .nxDomain)
        // The old holder's release does not take the name from the new one.
        zone.remove(leaseAddress: IPv4Address("10.77.0.100")!)
        #expect(try Self.answer("alpha", .a, zone: zone).answers.count == 1)
        zone.remove(leaseAddress: IPv4Address("10.77.0.101")!)
        #expect(try Self.answer("alpha", .a, zone: zone).responseCode == .nxDomain)
        // Names that are not host names are not published; a <host> entry beats a lease.
        zone.update(lease: DHCPLease(network: "lab", mac: MACAddress("52:54:00:77:00:03")!, ip: IPv4Address("10.77.0.102")!,
                                     hostname: "bad name!", expiresAt: nil))
        #expect(try Self.answer("102.0.77.10.in-addr.arpa", .ptr, zone: zone).responseCode == .nxDomain)
        zone.update(lease: DHCPLease(network: "lab", mac: MACAddress("52:54:00:77:00:04")!, ip: IPv4Address("10.77.0.103")!,
                                     hostname: "web", expiresAt: nil))
        #expect(try Self.answer("web", .a, zone: zone).answers.map(\.data) == [.a(IPv4Address("10.77.0.9")!)])
    }

    @Test func truncationOverUDPKeepsTheQuestionAndSetsTC() throws {
        var xml = Self.xml
        let many = (1...60).map { "<host ip='10.77.0.\($0 + 10)'><hostname>big</hostname></host>" }.joined()
        xml = xml.replacingOccurrences(of: "<host ip='10.77.0.9'>", with: many + "<host ip='10.77.0.9'>")
        let reply = try Self.answer("big.lab.test", .a, zone: try Self.zone(xml))
        #expect(reply.answers.count == 60)
        let cut = try DNSMessage.parse(reply.encoded(maxSize: 512))
        #expect(cut.header.isTruncated)
        #expect(cut.questions == reply.questions)
    }

    @Test func resolvConfNameservers() {
        let text = """
            # generated
            search example.org
            nameserver 192.0.2.1
            nameserver   2001:db8::53
            nameserver fe80::1%eth0
            nameserver not-an-address
            options edns0
            """
        #expect(ResolvConf.nameservers(in: text) == [DNSUpstream(address: IPAddress("192.0.2.1")!),
                                                   DNSUpstream(address: IPAddress("2001:db8::53")!)])
    }

    @Test func invalidNamesInTheDefinitionAreNamed() throws {
        let xml = Self.xml.replacingOccurrences(of: "<txt name='info'", with: "<txt name='\(String(repeating: "a", count: 70))'")
        #expect {
            _ = try Self.zone(xml)
        } throws: { error in
            "\(error)".contains("<dns><txt name>") && "\(error)".contains("aaaa")
        }
    }
}
