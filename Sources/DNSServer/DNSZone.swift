import DNSWire
import PatchbayModel

/// Everything one network's DNS server knows: the names it answers for itself and where the rest
/// goes. It is a value: the service swaps in a new one when the definition changes, and DHCP
/// grants and releases update the lease names in place, one lease at a time.
///
/// The rules are dnsmasq's as libvirt configures it (networkDnsmasqConfContents): `<host>`
/// entries and DHCP clients' names are answered here, plain names also under the network's
/// `<domain>` (dnsmasq's expand-hosts); a `<host>` entry wins over a DHCP client of the same name;
/// the newest lease wins between two clients of one name.
public struct DNSZone: Sendable {
    /// The network's `<domain name>`, appended to plain names.
    public var domain: DNSName?
    /// `<domain localOnly='yes'>`: names under the domain that are not known here get NXDOMAIN
    /// instead of being forwarded (dnsmasq `local=/domain/`).
    public var localOnly = false
    /// `<dns forwardPlainNames>`: whether single-label names nobody here knows are forwarded
    /// (libvirt's default); "no" is dnsmasq's `domain-needed`.
    public var forwardPlainNames = true
    /// Seconds guests may cache local answers. dnsmasq's default local-ttl is 0, so a guest never
    /// holds on to an address after its owner's lease moved; the same here.
    public var ttl: UInt32 = 0
    /// Owners of `<dns><host>`, `<srv>` and `<txt>` data, with their records.
    public internal(set) var staticRecords: [DNSName: [DNSRecordData]] = [:]
    /// PTR data for `<dns><host>` addresses: the first name given for an address.
    public private(set) var staticPointers: [DNSName: DNSName] = [:]
    /// Domains answered here only (`<forwarder domain='x'/>` without an address), longest first.
    public var localDomains: [DNSName] = []
    /// Per-domain forwarders (`<forwarder domain='x' addr='y'/>`), longest domain first.
    public var domainForwarders: [(domain: DNSName, upstreams: [DNSUpstream])] = []
    /// Where everything else goes: the XML's plain `<forwarder addr>`s, or else the host's
    /// resolv.conf servers.
    public var upstreams: [DNSUpstream] = []
    /// `<ip localPtr='yes'>` subnets: reverse lookups inside them that are not known here get
    /// NXDOMAIN instead of leaking private addresses to the upstream servers.
    public var localPointerSubnets: [InterfaceAddress] = []
    /// Who may ask: the network's own subnets (and the host itself over loopback). Anyone else
    /// is REFUSED, so the server is never an open resolver, whatever reaches its address.
    public var clientSubnets: [InterfaceAddress] = []
    /// The network's own addresses, where the server listens: never an upstream, and a query from
    /// one of them comes from the host itself.
    public var ownAddresses: [IPAddress] = []

    private static let ipv6Loopback = IPAddress("::1")

    private var leaseAddressByName: [DNSName: IPv4Address] = [:]
    private var leaseNameByAddress: [IPv4Address: DNSName] = [:]

    public init() {}

    // MARK: Lease names

    /// Records `lease`'s hostname, or forgets the address's name when the lease has none (or one
    /// that is not a valid DNS label, which dnsmasq also refuses to publish).
    public mutating func update(lease: DHCPLease) {
        remove(leaseAddress: lease.ip)
        guard let hostname = lease.hostname, let name = Self.hostLabel(hostname) else { return }
        if let previous = leaseAddressByName[name] { leaseNameByAddress[previous] = nil }
        leaseAddressByName[name] = lease.ip
        leaseNameByAddress[lease.ip] = name
    }

    /// Forgets the name held by the lease of `address` (released, expired, declined).
    public mutating func remove(leaseAddress address: IPv4Address) {
        guard let name = leaseNameByAddress.removeValue(forKey: address) else { return }
        if leaseAddressByName[name] == address { leaseAddressByName[name] = nil }
    }

    /// A plain host name as one DNS label: letters, digits and hyphens (RFC 952/1123), what
    /// dnsmasq accepts from DHCP clients; anything else gets no name.
    static func hostLabel(_ text: String) -> DNSName? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= DNSName.maximumLabelLength, bytes.first != UInt8(ascii: "-"),
              bytes.allSatisfy({ isHostCharacter($0) }) else { return nil }
        return try? DNSName(labels: [bytes])
    }

    static func isHostCharacter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
    }

    // MARK: Static data

    /// Adds a record at `name`; a plain name is published under the domain as well.
    public mutating func add(_ data: DNSRecordData, at name: DNSName) {
        for owner in expanded(name) { staticRecords[owner, default: []].append(data) }
    }

    /// Adds the PTR for `address` unless one is there (the first `<host>` name wins).
    public mutating func addPointer(for address: IPAddress, to name: DNSName) {
        let reverse = DNSName(reverseFor: address)
        if staticPointers[reverse] == nil { staticPointers[reverse] = fullyQualified(name) }
    }

    /// `name`, and `name.domain` when `name` is a single label and there is a domain.
    func expanded(_ name: DNSName) -> [DNSName] {
        guard name.labels.count == 1, let domain, let long = try? name.appending(domain) else { return [name] }
        return [name, long]
    }

    func fullyQualified(_ name: DNSName) -> DNSName {
        expanded(name).last ?? name
    }

    // MARK: Lookup

    /// The local records at `name`, or nil when the name is not known here at all (as opposed to
    /// known with no record of the type asked, which is NODATA).
    public func records(at name: DNSName) -> [DNSRecordData]? {
        if let records = staticRecords[name] { return records }
        if let address = leaseAddress(for: name) { return [.a(address)] }
        if let target = pointer(for: name) { return [.ptr(target)] }
        return nil
    }

    func leaseAddress(for name: DNSName) -> IPv4Address? {
        if name.labels.count == 1 { return leaseAddressByName[name] }
        guard let domain, name.labels.count == domain.labels.count + 1, name.isSubdomain(of: domain),
              let label = try? DNSName(labels: [name.labels[0]]) else { return nil }
        return leaseAddressByName[label]
    }

    func pointer(for name: DNSName) -> DNSName? {
        if let target = staticPointers[name] { return target }
        guard case .v4(let address)? = name.ipAddress, let label = leaseNameByAddress[address] else { return nil }
        return fullyQualified(label)
    }

    /// Whether a name nobody here knows must get NXDOMAIN rather than be forwarded.
    public func isLocalOnly(_ name: DNSName) -> Bool {
        if localOnly, let domain, name.isSubdomain(of: domain) { return true }
        if localDomains.contains(where: { name.isSubdomain(of: $0) }) { return true }
        if name.labels.count == 1 && !forwardPlainNames { return true }
        if let address = name.ipAddress,
           localPointerSubnets.contains(where: { address.isInSubnet(of: $0.address, prefixLength: $0.prefixLength) }) {
            return true
        }
        return false
    }

    /// Where a query for `name` goes: the forwarders of the longest matching domain, else the
    /// general ones.
    public func upstreams(for name: DNSName) -> [DNSUpstream] {
        domainForwarders.first { name.isSubdomain(of: $0.domain) }?.upstreams ?? upstreams
    }

    /// Whether the query comes from the host itself (loopback, or one of the network's own
    /// addresses): the host's resolver, which may be configured to send names back here, so such a
    /// query is the one that can close a forwarding loop (see `DNSForwarder`).
    public func isHostItself(_ client: IPAddress) -> Bool {
        if case .v4(let v4) = client, v4.value >> 24 == 127 { return true }
        return client == Self.ipv6Loopback || ownAddresses.contains(client)
    }

    public func isAllowed(client: IPAddress) -> Bool {
        if case .v4(let v4) = client, v4.value >> 24 == 127 { return true }
        if client == Self.ipv6Loopback { return true }
        return clientSubnets.contains { client.isInSubnet(of: $0.address, prefixLength: $0.prefixLength) }
    }
}
