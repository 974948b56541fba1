/// Addresses for a bench's temporary namespaces: inside the network's IPv4 subnet, outside its
/// DHCP ranges, and not the gateway, a static host entry, a lease or anything else given as
/// taken — so a bench never takes an address the DHCP server could hand a guest meanwhile.
/// Picked from the top of the subnet down (below the broadcast address), where DHCP ranges
/// rarely reach.
public enum BenchAddressPicker {
    public static func pick(_ count: Int, ip: IPDefinition, taken: Set<IPv4Address>) throws(PatchbayError) -> [InterfaceAddress] {
        guard case .v4(let gateway) = ip.address, let prefix = ip.prefixLength, (8...30).contains(prefix) else {
            throw PatchbayError(.operationInvalid, "the network has no IPv4 subnet (of prefix length 8 to 30) to give temporary namespaces addresses from")
        }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefix))
        let network = gateway.value & mask, broadcast = network | ~mask
        var excluded = taken
        excluded.insert(gateway)
        for host in ip.dhcp.hosts { if case .v4(let address)? = host.ip { excluded.insert(address) } }
        let ranges: [ClosedRange<UInt32>] = ip.dhcp.ranges.compactMap { range in
            guard case .v4(let start) = range.start, case .v4(let end) = range.end, start <= end else { return nil }
            return start.value...end.value
        }
        var picked: [InterfaceAddress] = []
        var candidate = broadcast - 1
        while picked.count < count, candidate > network {
            let address = IPv4Address(candidate)
            if !excluded.contains(address), !ranges.contains(where: { $0.contains(candidate) }),
               let interface = InterfaceAddress(address: .v4(address), prefixLength: prefix) {
                picked.append(interface)
            }
            candidate -= 1
        }
        guard picked.count == count else {
            throw PatchbayError(.operationInvalid, "the subnet \(gateway)/\(prefix) has no \(count) free addresses outside its DHCP ranges for temporary namespaces")
        }
        return picked
    }
}
