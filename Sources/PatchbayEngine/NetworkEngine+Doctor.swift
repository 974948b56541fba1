import PatchbayModel

extension NetworkEngine {
    /// How far back MAC moves count for the doctor.
    static let doctorMoveWindowMilliseconds: Int64 = 10 * 60 * 1000

    /// `patchbay doctor [NET]`: the facts of every network (or one), judged by `DoctorRules`.
    public func doctor(network only: String?, now: Int64) async throws(PatchbayError) -> DoctorReport {
        let probe = doctorProbe
        let all = try await store.networks()
        let records = only.map { name in all.filter { $0.name == name } } ?? all
        if let only, records.isEmpty { throw PatchbayError(.notFound, "network '\(only)' not found") }
        let own = Set(all.compactMap(\.live).flatMap { $0.interfaceAddresses.map { $0.address.description } })
        var facts = await probe?.host(own: own) ?? DoctorFacts()
        facts.probed = probe != nil
        facts.foreignDrops = await firewall.foreignDrops()
        let since = now - Self.doctorMoveWindowMilliseconds
        facts.recentMoves = events.events(after: 0, matching: EventFilter(types: [.fdbMoved])).events.filter { $0.time >= since }
        let links = await probe?.links() ?? [:]
        for record in records {
            facts.networks.append(await doctorFacts(record, links: links, probe: probe))
        }
        return DoctorRules.evaluate(facts)
    }

    private func doctorFacts(_ record: NetworkRecord, links: [String: DoctorLinkState], probe: (any DoctorProbing)?) async
        -> DoctorFacts.NetworkFacts {
        let definition = record.live ?? record.current
        var facts = DoctorFacts.NetworkFacts(name: record.name, forwardMode: definition.forward.mode, active: record.live != nil)
        guard record.live != nil else { return facts }
        facts.bridge = definition.bridge.name
        facts.expectedMTU = definition.mtu.map(Int.init) ?? 1500
        if let bridge = definition.bridge.name, let link = links[bridge] {
            facts.bridgeMTU = link.mtu
            facts.bridgeUp = link.up
        }
        if let device = definition.forward.dev {
            facts.forwardDevice = device
            facts.forwardDeviceUp = links[device].map { $0.up && $0.carrier }
            facts.forwardDeviceMTU = links[device]?.mtu
        }
        var pool = 0
        for ip in definition.ips {
            for range in ip.dhcp.ranges {
                if case .v4(let a) = range.start, case .v4(let b) = range.end, b.value >= a.value { pool += Int(b.value - a.value) + 1 }
            }
        }
        facts.poolSize = pool
        facts.servesDHCP = pool > 0 || definition.ips.contains { !$0.dhcp.hosts.isEmpty }
        let leases = (try? await store.leases(network: record.name)) ?? []
        facts.leases = leases.count
        let leased = Set(leases.map(\.mac))
        for port in (try? await store.ports(network: record.name)) ?? [] where port.phase == nil && port.type != .hostdev && port.type != .vhostuser {
            var item = DoctorFacts.PortFacts(device: port.device, owner: port.ownerName, mac: port.mac.description)
            item.isUplink = port.role == .uplink
            if let link = links[port.device] {
                item.carrier = link.carrier
                item.mtu = link.mtu
                item.bridgeState = link.bridgeState
            }
            item.hasLease = leased.contains(port.mac)
            if let tag = port.vlan?.tags.first?.id { item.vlans = [Int(tag)] }
            facts.ports.append(item)
        }
        facts.definedVLANs = Set(definition.vlan?.tags.map { Int($0.id) } ?? [])
            .union(definition.portGroups.flatMap { $0.vlan?.tags.map { Int($0.id) } ?? [] })
        if !facts.definedVLANs.isEmpty, let bridge = definition.bridge.name, let index = links[bridge]?.index {
            if PortPlacement(definition).ovsBridge != nil {
                facts.vlanFiltering = true
            } else {
                // nil from the kernel: it cannot filter; an error: unknown (the rule then says so).
                do { facts.vlanFiltering = try await self.links.bridgeVLANFiltering(index: index) != nil } catch { facts.vlanFiltering = nil }
            }
        }
        guard let probe, let bridge = definition.bridge.name else { return facts }
        if facts.servesDHCP && pool > 0 {
            let (answered, detail) = await probe.probeDHCP(bridge: bridge)
            facts.dhcpAnswered = answered
            facts.dhcpProbeDetail = detail
        }
        if let address = definition.ips.compactMap({ ip -> (IPv4Address, Int)? in
            guard case .v4(let a) = ip.address, let prefix = ip.prefixLength else { return nil }
            return (a, prefix)
        }).first {
            facts.duplicates = await probe.duplicates(bridge: bridge, source: address.0,
                                                      candidates: Self.duplicateCandidates(address.0, prefix: address.1, leases: leases))
        }
        return facts
    }

    /// The addresses an ARP sweep asks for: the whole subnet up to a /22, else the leased ones.
    static func duplicateCandidates(_ own: IPv4Address, prefix: Int, leases: [DHCPLease]) -> [IPv4Address] {
        guard prefix >= 22, prefix < 31 else { return leases.map(\.ip) }
        let size = UInt32(1) << UInt32(32 - prefix)
        let base = own.value & ~(size - 1)
        return (1..<(size - 1)).map { IPv4Address(base + $0) }.filter { $0 != own }
    }
}
