import DNSWire
import PatchbayModel

extension DNSZone {
    /// The zone of a network definition, with the host's resolvers as the fallback upstreams
    /// (used only when the XML names no general `<forwarder addr>`, as libvirt then writes
    /// dnsmasq's `no-resolv`). Lease names are added afterwards with `update(lease:)`.
    public init(network: NetworkDefinition, hostResolvers: [DNSUpstream]) throws(DNSZoneError) {
        self.init()
        if let name = network.domain?.name {
            domain = try Self.name(name, "<domain name>")
        }
        localOnly = network.domain?.localOnly ?? false
        forwardPlainNames = network.dns.forwardPlainNames ?? true
        clientSubnets = network.interfaceAddresses.map(\.subnet)
        ownAddresses = network.interfaceAddresses.map(\.address)
        localPointerSubnets = network.ips.filter { $0.localPtr == true }.compactMap { $0.interfaceAddress?.subnet }

        for host in network.dns.hosts {
            for (index, hostname) in host.hostnames.enumerated() {
                let name = try Self.name(hostname, "<dns><host ip='\(host.ip)'><hostname>")
                switch host.ip {
                case .v4(let v4): add(.a(v4), at: name)
                case .v6(let v6): add(.aaaa(v6), at: name)
                }
                if index == 0 { addPointer(for: host.ip, to: name) }
            }
        }
        for srv in network.dns.srvs {
            var owner = "_\(srv.service)._\(srv.protocolName)"
            if let domain = srv.domain { owner += ".\(domain)" }
            let name = try Self.name(owner, "<dns><srv service='\(srv.service)'>")
            let target = try srv.target.map { target throws(DNSZoneError) in try Self.name(target, "<srv target>") } ?? .root
            let data = DNSSRVData(priority: srv.priority ?? 0, weight: srv.weight ?? 0, port: srv.port ?? 0, target: target)
            staticRecords[name, default: []].append(.srv(data))
        }
        for txt in network.dns.txts {
            let name = try Self.name(txt.name, "<dns><txt name>")
            add(.text(txt.value), at: name)
        }

        var general: [DNSUpstream] = []
        var perDomain: [DNSName: [DNSUpstream]] = [:]
        var local: [DNSName] = []
        for forwarder in network.dns.forwarders {
            switch (forwarder.domain, forwarder.address) {
            case (nil, let address?): general.append(DNSUpstream(address: address))
            case (let domain?, let address?):
                perDomain[try Self.name(domain, "<forwarder domain>"), default: []].append(DNSUpstream(address: address))
            case (let domain?, nil): local.append(try Self.name(domain, "<forwarder domain>"))
            case (nil, nil): continue
            }
        }
        // The server's own addresses are never an upstream: a forwarder or resolv.conf line naming
        // one would send every query back in, forever.
        let own = Set(ownAddresses)
        upstreams = (general.isEmpty ? hostResolvers : general).filter { !own.contains($0.address) }
        domainForwarders = perDomain.map { (domain: $0.key, upstreams: $0.value.filter { !own.contains($0.address) }) }
            .sorted { $0.domain.labels.count > $1.domain.labels.count }
        localDomains = local.sorted { $0.labels.count > $1.labels.count }
    }

    static func name(_ text: String, _ element: String) throws(DNSZoneError) -> DNSName {
        do {
            return try DNSName(text)
        } catch {
            throw DNSZoneError(element: element, value: text, reason: "\(error)")
        }
    }
}

/// A definition whose DNS data cannot be served: a name that is not a valid DNS name.
public struct DNSZoneError: Error, Sendable, CustomStringConvertible {
    public var element: String
    public var value: String
    public var reason: String
    public var description: String { "\(element) '\(value)' is not a valid DNS name: \(reason)" }
}
