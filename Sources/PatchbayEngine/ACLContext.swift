import NWFilter
import PatchbayModel

/// What compiling ACLs needs, read from the store once per change: the ACLs, the ports they
/// may cover, the networks' leases and addresses. Pure once loaded, so a change compiles every
/// affected port from one consistent view.
struct ACLContext: Sendable {
    var acls: [NetworkACL]
    var ports: [NetworkPort]
    var leases: [String: [DHCPLease]]
    var networks: [String: NetworkDefinition]
    /// Mark ids of the devices that have a filter binding (theirs are stored with it).
    var bindingIDs: [String: UInt16]

    static let empty = ACLContext(acls: [], ports: [], leases: [:], networks: [:], bindingIDs: [:])

    /// Only guest ports with a device on a Linux bridge: the bridge family is what tells the
    /// port a packet came from (a macvtap's or a VF's traffic never crosses it).
    static func coverable(_ port: NetworkPort, _ definition: NetworkDefinition?) -> Bool {
        guard port.role == .guest, port.type == .tap || port.type == .veth, !port.device.isEmpty, let definition else { return false }
        switch PortPlacement(definition) {
        case .ownedBridge, .hostBridge: return true
        default: return false
        }
    }

    /// The ACLs of a port, network-wide first, then its portgroup's, then its own; by name within each.
    func acls(for port: NetworkPort) -> [NetworkACL] {
        guard Self.coverable(port, networks[port.network]) else { return [] }
        func level(_ acl: NetworkACL) -> Int? {
            var best: Int?
            for a in acl.attachments {
                var l: Int?
                if let uuid = a.port { l = uuid == port.uuid ? 2 : nil }
                else if a.network == port.network { l = a.portgroup == nil ? 0 : (a.portgroup == port.group ? 1 : nil) }
                if let l { best = min(best ?? l, l) }
            }
            return best
        }
        return acls.compactMap { acl in level(acl).map { ($0, acl) } }
            .sorted { ($0.0, $0.1.name) < ($1.0, $1.1.name) }.map(\.1)
    }

    func addresses(of port: NetworkPort) -> [IPAddress] {
        (leases[port.network] ?? []).filter { $0.mac == port.mac }.map { .v4($0.ip) }
    }

    func resolve(_ selector: ACLSelector, for port: NetworkPort) -> ACLAddresses {
        switch selector {
        case .subnet(let subnet):
            if case .v4 = subnet.address { return ACLAddresses(ipv4: [subnet]) }
            return ACLAddresses(ipv6: [subnet])
        case .guests:
            return ACLAddresses((leases[port.network] ?? []).map { .v4($0.ip) })
        case .host:
            return ACLAddresses((networks[port.network]?.ips ?? []).map(\.address))
        case .owner(let name):
            return ACLAddresses(ports.filter { $0.ownerName == name }.flatMap(addresses(of:)))
        }
    }

    /// The devices the ACLs cover, with the port each belongs to.
    var coveredPorts: [NetworkPort] {
        guard !acls.isEmpty else { return [] }
        return ports.filter { !acls(for: $0).isEmpty }
    }

    /// Mark ids for covered ports without a binding: drawn from the top of the range by a hash
    /// of the port's UUID (bindings take theirs from the bottom), so a port keeps its id while
    /// others come and go, and a restart computes the same ones.
    var aclOnlyIDs: [String: UInt16] {
        var used = Set(bindingIDs.values)
        var out: [String: UInt16] = [:]
        let span = UInt64(NWFilterPort.idRange.count)
        for port in coveredPorts.sorted(by: { $0.uuid.description < $1.uuid.description }) where bindingIDs[port.device] == nil {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in port.uuid.description.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
            var candidate = UInt16(NWFilterPort.idRange.upperBound) - UInt16(hash % (span / 2))
            var tries = 0
            while used.contains(candidate), tries < NWFilterPort.idRange.count {
                candidate = candidate == NWFilterPort.idRange.lowerBound ? NWFilterPort.idRange.upperBound : candidate - 1
                tries += 1
            }
            guard !used.contains(candidate) else { break }
            used.insert(candidate)
            out[port.device] = candidate
        }
        return out
    }

    /// `ruleset` with the port's ACL chains, or unchanged when no ACL covers it.
    func adding(to ruleset: NWFilterPortRuleset, port: NetworkPort?) -> NWFilterPortRuleset {
        guard let port else { return ruleset }
        let list = acls(for: port)
        guard !list.isEmpty else { return ruleset }
        var ruleset = ruleset
        if ruleset.port.ipv4.isEmpty {
            ruleset.port.ipv4 = addresses(of: port).compactMap { if case .v4(let a) = $0 { a } else { nil } }
        }
        return ruleset.adding(acl: ACLCompiler.chains(list, device: port.device, resolve: { resolve($0, for: port) }))
    }

    /// The rulesets of covered ports that have no binding (theirs come with their binding's plan).
    var aclOnlyRulesets: [NWFilterPortRuleset] {
        let ids = aclOnlyIDs
        return coveredPorts.compactMap { port in
            guard bindingIDs[port.device] == nil, let id = ids[port.device] else { return nil }
            return adding(to: NWFilterPortRuleset(port: NWFilterPort(device: port.device, id: id), bridgeChains: [], inetChains: []), port: port)
        }
    }
}
