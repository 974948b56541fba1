import Foundation
import LibvirtXML
import PatchbayModel
import Testing

/// Property: for any definition, format → parse → format gives the same text, and parsing the
/// formatted text gives back the same definition. Definitions come from a seeded generator that
/// reaches every element of the schema, so a failure names its seed and reproduces.
@Suite struct RoundTripPropertyTests {
    @Test(arguments: 0..<400)
    func formatParseFormatIsStable(_ seed: Int) throws {
        var generator = DefinitionGenerator(seed: UInt64(seed))
        let definition = generator.network()
        let formatted = NetworkXML.format(definition)
        let parsed: ParsedNetwork
        do {
            parsed = try NetworkXMLParser.parse(formatted)
        } catch {
            Issue.record("seed \(seed): formatted XML does not parse: \(error)\n\(formatted)")
            return
        }
        #expect(NetworkXML.format(parsed.definition) == formatted, "seed \(seed)")
        let sameDefinition = parsed.definition == definition
        #expect(sameDefinition, "seed \(seed): the definition read back differs from the one formatted:\n\(formatted)")
        #expect(NetworkXML.format(parsed.definition, inactive: true) == NetworkXML.format(definition, inactive: true))
    }
}

/// SplitMix64 plus builders for each part of the schema. Values are chosen to satisfy the
/// parser's structural rules (families match, ranges ordered); validation is not required.
struct DefinitionGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func bool() -> Bool { next() & 1 == 1 }
    mutating func maybe<T>(_ make: (inout DefinitionGenerator) -> T) -> T? { bool() ? make(&self) : nil }
    mutating func list<T>(_ max: Int, _ make: (inout DefinitionGenerator) -> T) -> [T] { (0..<int(0...max)).map { _ in make(&self) } }
    mutating func pick<T>(_ options: [T]) -> T { options[int(0...(options.count - 1))] }

    /// Text with the characters that need escaping, non-ASCII, and spaces.
    mutating func text(_ alphabet: String = "abcXYZ019 -_.'\"&<>éß", length: ClosedRange<Int> = 1...12) -> String {
        let characters = Array(alphabet)
        return String((0..<int(length)).map { _ in pick(characters) })
    }

    mutating func word() -> String { text("abcdefghijklmnopqrstuvwxyz0123456789", length: 1...10) }
    mutating func ipv4() -> IPv4Address { IPv4Address(UInt32(truncatingIfNeeded: next())) }
    mutating func ipv6() -> IPv6Address { IPv6Address(bytes: (0..<16).map { _ in UInt8(truncatingIfNeeded: next()) })! }
    mutating func ip() -> IPAddress { bool() ? .v4(ipv4()) : .v6(ipv6()) }
    mutating func uuid() -> NetworkUUID { NetworkUUID(bytes: (0..<16).map { _ in UInt8(truncatingIfNeeded: next()) })! }
    mutating func unicastMAC() -> MACAddress { MACAddress(bytes: (0..<6).map { i in UInt8(truncatingIfNeeded: next()) & (i == 0 ? 0xFE : 0xFF) })! }
    mutating func tristate() -> Bool? { maybe { $0.bool() } }

    mutating func network() -> NetworkDefinition {
        var def = NetworkDefinition(name: text().replacingOccurrences(of: "/", with: "x"), uuid: uuid())
        def.title = maybe { $0.text() }
        def.description = maybe { $0.text(length: 0...20) }
        def.metadata = maybe { $0.metadata() }
        def.ipv6WithoutGateway = bool()
        def.trustGuestRxFilters = tristate()
        def.connections = bool() ? int(1...5) : 0
        def.forward = forward()
        def.bridge = bridge(mode: def.forward.mode)
        if def.forward.mode.createsBridge {
            def.mtu = maybe { UInt32($0.int(68...65535)) }
            def.mac = maybe { $0.unicastMAC() }
        }
        def.domain = maybe { g in
            let localOnly = g.tristate()
            return DomainDefinition(name: g.word() + ".example", localOnly: localOnly, register: localOnly == true ? g.tristate() : (g.bool() ? false : nil))
        }
        def.dns = dns()
        def.vlan = maybe { $0.vlan() }
        def.bandwidth = maybe { $0.bandwidth() }
        def.portIsolated = tristate()
        def.ips = list(3) { $0.ipDefinition() }
        def.routes = list(2) { $0.route() }
        def.virtualPort = maybe { g in g.virtualPort(type: g.pick(VirtualPortDefinition.Kind.allCases)) }
        def.portGroups = list(2) { g in
            var group = PortGroupDefinition(name: g.text())
            group.isDefault = g.bool()
            group.trustGuestRxFilters = g.tristate()
            group.vlan = g.maybe { $0.vlan() }
            // An untyped <virtualport> without parameters says nothing and is not written back.
            group.virtualPort = g.maybe { g in g.virtualPort(type: g.maybe { $0.pick(VirtualPortDefinition.Kind.allCases) }) }
                .flatMap { $0.type == nil && !$0.hasParameters ? nil : $0 }
            group.bandwidth = g.maybe { $0.bandwidth() }
            return group
        }
        def.dnsmasqOptions = list(3) { $0.text() }
        return def
    }

    /// What libvirt keeps of `<metadata>`: children each in a namespace of its own, with
    /// attributes, text, CDATA, nested elements, comments and processing instructions below them.
    mutating func metadata() -> XMLElement {
        var root = XMLElement(name: "metadata")
        for i in 0..<int(1...3) {
            let prefix = "app\(i)"
            var child = XMLElement(name: prefix + ":" + word(), attributes: [XMLAttribute(name: "xmlns:" + prefix, value: "http://example.com/\(i)/" + word())])
            if bool() { child.attributes.append(XMLAttribute(name: "value", value: text())) }
            switch int(0...3) {
            case 0: child.children = [.text(text("abc xyz<>&'\"é", length: 1...5).trimmedForXML())]
            case 1:
                child.children = list(3) { g in
                    .element(XMLElement(name: prefix + ":" + g.word(), attributes: g.bool() ? [XMLAttribute(name: "n", value: g.text())] : []))
                }
                if bool() { child.children.append(.comment(" note ")) }
                if bool() { child.children.append(.processingInstruction(target: "pi", data: bool() ? "x y" : nil)) }
            case 2: child.children = [.text("a "), .element(XMLElement(name: prefix + ":b")), .cdata("<c> & d"), .text(" e")]
            default: break
            }
            root.children.append(.element(child))
        }
        return root
    }

    mutating func forward() -> ForwardDefinition {
        var forward = ForwardDefinition()
        forward.mode = pick(ForwardMode.allCases)
        switch forward.mode {
        case .none, .open:
            break
        case .nat, .route:
            if bool() { forward.interfaces = [ForwardInterface(dev: "eth" + word(), connections: bool() ? int(1...3) : 0)] }
            if forward.mode == .nat {
                forward.nat = maybe { g -> NATDefinition? in
                    var nat = NATDefinition(ipv6: g.tristate())
                    if g.bool() {
                        let a = g.ipv4(), b = g.ipv4()
                        nat.addressStart = min(a, b)
                        nat.addressEnd = max(a, b)
                    }
                    if g.bool() {
                        let a = UInt16(g.int(0...65535)), b = UInt16(g.int(0...65535))
                        nat.portStart = min(a, b)
                        nat.portEnd = max(a, b) == 0 ? nil : max(a, b)
                        if nat.portEnd == nil { nat.portStart = 0; nat.portEnd = 1 }
                    }
                    return nat.isEmpty ? nil : nat  // libvirt writes no empty <nat/>, so none is generated
                } ?? nil
            }
        case .bridge, .private, .vepa, .passthrough, .hostdev:
            forward.managed = forward.mode == .hostdev && bool()
            switch int(0...2) {
            case 0:
                var seen: Set<String> = []
                forward.interfaces = list(3) { g in ForwardInterface(dev: "eth" + g.word()) }.filter { seen.insert($0.dev).inserted }
            case 1:
                var seen: Set<PCIAddress> = []
                forward.pciAddresses = list(3) { g in
                    PCIAddress(domain: UInt32(g.int(0...0xFFFF)), bus: UInt8(g.int(0...255)), slot: UInt8(g.int(0...31)), function: UInt8(g.int(0...7)))
                }.filter { seen.insert($0).inserted }
                forward.driverName = maybe { $0.pick(["vfio", "kvm", "xen"]) }
                forward.driverModel = maybe { $0.pick(["vfio_pci", "mlx5_vfio_pci", "a&b'c"]) }
            default:
                forward.pf = maybe { "eth" + $0.word() }
            }
        }
        return forward
    }

    mutating func bridge(mode: ForwardMode) -> BridgeDefinition {
        var bridge = BridgeDefinition(name: maybe { "br" + $0.word() })
        if mode.createsBridge {
            bridge.zone = maybe { $0.word() }
            bridge.stp = bool()
            bridge.delay = UInt64(int(0...30))
        }
        if mode == .none || mode == .nat || mode == .route || mode == .open || mode == .bridge {
            bridge.macTableManager = maybe { $0.pick(MACTableManager.allCases) }
        }
        return bridge
    }

    mutating func dns() -> DNSDefinition {
        var dns = DNSDefinition()
        dns.enable = tristate()
        dns.forwardPlainNames = tristate()
        dns.forwarders = list(2) { g in
            let domain = g.maybe { $0.word() + ".test" }
            return DNSForwarder(domain: domain, address: domain == nil || g.bool() ? g.ip() : nil)
        }
        dns.txts = list(2) { g in DNSTXTRecord(name: g.word(), value: g.text()) }
        dns.srvs = list(2) { g in
            let target = g.maybe { $0.word() + ".test" }
            return DNSSRVRecord(service: g.word(), protocolName: g.pick(["tcp", "udp"]), domain: g.maybe { $0.word() }, target: target,
                                port: target == nil ? nil : g.maybe { UInt16($0.int(1...65535)) },
                                priority: target == nil ? nil : g.maybe { UInt16($0.int(1...65535)) },
                                weight: target == nil ? nil : g.maybe { UInt16($0.int(1...65535)) })
        }
        dns.hosts = list(2) { g in DNSHostRecord(ip: g.ip(), hostnames: (0..<g.int(1...3)).map { _ in g.text() }) }
        return dns
    }

    mutating func vlan() -> VLANDefinition {
        let tags = (0..<int(1...3)).map { _ in VLANTag(id: UInt16(int(0...4095))) }
        var vlan = VLANDefinition(trunk: tags.count > 1 || bool(), tags: tags)
        if vlan.trunk, bool() { vlan.tags[0].nativeMode = pick(VLANTag.NativeMode.allCases) }
        return vlan
    }

    mutating func bandwidth() -> BandwidthDefinition {
        func rate(_ g: inout DefinitionGenerator) -> BandwidthRate {
            BandwidthRate(average: UInt64(g.int(1...1_000_000)), peak: g.maybe { UInt64($0.int(1...1_000_000)) },
                          burst: g.maybe { UInt64($0.int(1...4_000_000)) })
        }
        var bandwidth = BandwidthDefinition(inbound: maybe(rate), outbound: maybe(rate))
        if bandwidth.inbound == nil && bandwidth.outbound == nil { bandwidth.inbound = rate(&self) }
        return bandwidth
    }

    mutating func ipDefinition() -> IPDefinition {
        if bool() {
            let address = ipv4()
            var ip = IPDefinition(address: .v4(address), family: pick([nil, "ipv4"]))
            if bool() { ip.netmask = IPv4Address.netmask(prefixLength: int(1...30)) } else { ip.prefix = maybe { $0.int(1...32) } }
            ip.localPtr = tristate()
            ip.tftpRoot = maybe { "/srv/" + $0.text() }
            ip.dhcp.ranges = list(2) { g in
                let a = g.ipv4(), b = g.ipv4()
                return DHCPRange(start: .v4(min(a, b)), end: .v4(max(a, b)), lease: g.maybe { $0.lease() })
            }
            ip.dhcp.hosts = list(2) { g in
                DHCPHost(mac: g.maybe { $0.unicastMAC() } ?? g.unicastMAC(), name: g.maybe { "h" + $0.text() }, ip: .v4(g.ipv4()), lease: g.maybe { $0.lease() })
            }
            if ip.dhcp.isEnabled { ip.dhcp.bootp = maybe { g in BootpDefinition(file: g.text(), server: g.maybe { $0.ip() }) } }
            return ip
        }
        var ip = IPDefinition(address: .v6(ipv6()), family: "ipv6", prefix: maybe { $0.int(1...128) })
        ip.localPtr = tristate()
        ip.dhcp.ranges = list(2) { g in
            let a = g.ipv6(), b = g.ipv6()
            let (low, high) = IPAddress.v6(a) < .v6(b) ? (a, b) : (b, a)
            return DHCPRange(start: .v6(low), end: .v6(high), lease: g.maybe { $0.lease() })
        }
        ip.dhcp.hosts = list(2) { g in
            DHCPHost(id: g.maybe { _ in "0:3:0:1:0:16:3e:11:22:33" }, name: "h" + g.word(), ip: .v6(g.ipv6()), lease: g.maybe { $0.lease() })
        }
        return ip
    }

    mutating func lease() -> LeaseTime {
        switch int(0...3) {
        case 0: return LeaseTime(expiry: 0, unit: .minutes)
        case 1: return LeaseTime(expiry: UInt64(int(120...100_000)), unit: .seconds)
        case 2: return LeaseTime(expiry: UInt64(int(2...10_000)), unit: .minutes)
        default: return LeaseTime(expiry: UInt64(int(1...1000)), unit: .hours)
        }
    }

    mutating func route() -> RouteDefinition {
        if bool() {
            let prefix = int(0...32)
            let address = IPAddress.v4(ipv4()).masked(to: prefix)
            if bool() {
                return RouteDefinition(address: address, gateway: .v4(ipv4()), family: pick([nil, "ipv4"]),
                                       netmask: IPv4Address.netmask(prefixLength: prefix), metric: maybe { UInt32($0.int(1...1000)) })
            }
            return RouteDefinition(address: address, gateway: .v4(ipv4()), family: pick([nil, "ipv4"]), prefix: prefix,
                                   metric: maybe { UInt32($0.int(1...1000)) })
        }
        let prefix = int(0...128)
        return RouteDefinition(address: IPAddress.v6(ipv6()).masked(to: prefix), gateway: .v6(ipv6()), family: "ipv6", prefix: prefix,
                               metric: maybe { UInt32($0.int(1...1000)) })
    }

    /// Only the parameters each type allows (the parser refuses the others).
    mutating func virtualPort(type: VirtualPortDefinition.Kind?) -> VirtualPortDefinition {
        var port = VirtualPortDefinition(type: type)
        let qbg = type == nil || type == .ieee8021Qbg
        if qbg {
            port.managerID = maybe { UInt8($0.int(0...255)) }
            port.typeID = maybe { UInt32($0.int(0...0xFF_FFFF)) }
            port.typeIDVersion = maybe { UInt8($0.int(0...255)) }
            port.instanceID = maybe { $0.uuid() }
        }
        if type == nil || type == .openvswitch || type == .midonet { port.interfaceID = maybe { $0.uuid() } }
        if type == nil || type == .openvswitch || type == .ieee8021Qbh { port.profileID = maybe { $0.text(length: 1...20) } }
        return port
    }
}

extension String {
    /// Metadata text keeps no surrounding whitespace through the writer, so generate none.
    fileprivate func trimmedForXML() -> String {
        let trimmed = drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        return trimmed.isEmpty ? "x" : String(trimmed)
    }
}
