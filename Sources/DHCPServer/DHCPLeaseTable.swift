import PatchbayModel

/// Who holds which address right now: the authoritative in-memory view the server allocates
/// from, loaded from the store at start and kept in step with it.
///
/// Clients are identified by their client identifier when they send one, else by their MAC
/// (RFC 2131 §4.2). Offers are held briefly so two clients discovering at once never get the
/// same address; declined addresses are quarantined (RFC 2131 §3.1 step 5), each charged to the
/// origin whose client declined it, and never more than `maximumQuarantined` at once.
struct DHCPLeaseTable {
    enum ClientKey: Hashable {
        case identifier([UInt8])
        case mac(MACAddress)
    }

    struct Offer {
        var client: ClientKey
        var expiresAt: Int64
        var origin: DHCPOrigin?
    }

    struct Quarantine {
        var until: Int64
        var origin: DHCPOrigin?
    }

    private(set) var leases: [IPv4Address: DHCPLease] = [:]
    private var byClient: [ClientKey: IPv4Address] = [:]
    private var offers: [IPv4Address: Offer] = [:]
    private var offerByClient: [ClientKey: IPv4Address] = [:]
    private(set) var declined: [IPv4Address: Quarantine] = [:]
    /// Where the search for a free address resumes, per range, so allocation stays O(1) on average
    /// even with thousands of leases.
    private var cursors: [Int: UInt32] = [:]
    /// Ranges a whole scan found full, with the second of that scan: skipped for the rest of the
    /// second unless an address is freed first. Without it every DISCOVER scanned each full range
    /// end to end (65,534 lookups), and a server whose first range filled up fell from 5,000
    /// leases/s to a few hundred.
    private var exhausted: [Int: Int64] = [:]

    static let offerHoldSeconds: Int64 = 60
    static let declineQuarantineSeconds: Int64 = 600
    static let maximumQuarantined = 4096

    init(leases: [DHCPLease]) {
        for lease in leases { insert(lease) }
    }

    static func key(mac: MACAddress, clientID: [UInt8]?) -> ClientKey {
        clientID.map(ClientKey.identifier) ?? .mac(mac)
    }

    static func key(of lease: DHCPLease) -> ClientKey { key(mac: lease.mac, clientID: lease.clientID) }

    func lease(for client: ClientKey) -> DHCPLease? {
        byClient[client].flatMap { leases[$0] }
    }

    func lease(at address: IPv4Address) -> DHCPLease? { leases[address] }

    func offeredAddress(for client: ClientKey, now: Int64) -> IPv4Address? {
        guard let address = offerByClient[client], let offer = offers[address], offer.expiresAt > now else { return nil }
        return address
    }

    func offer(at address: IPv4Address, now: Int64) -> Offer? {
        guard let offer = offers[address], offer.expiresAt > now else { return nil }
        return offer
    }

    /// Whether `address` can go to `client`: not leased (unexpired) or offered to someone else,
    /// and not quarantined, unless `client` itself holds it: a quarantine never takes an address
    /// from its holder.
    func isAvailable(_ address: IPv4Address, for client: ClientKey, now: Int64) -> Bool {
        if let lease = leases[address], !lease.isExpired(at: now) {
            return Self.key(of: lease) == client
        }
        if let offer = offers[address], offer.client != client, offer.expiresAt > now { return false }
        if let quarantine = declined[address], quarantine.until > now { return false }
        return true
    }

    /// The first available address of the ranges, resuming after the last one handed out.
    mutating func freeAddress(in ranges: [DHCPPool.Range], for client: ClientKey, excluding reserved: Set<IPv4Address>,
                              now: Int64) -> IPv4Address? {
        for (index, range) in ranges.enumerated() {
            if let since = exhausted[index], since == now { continue }
            let size = UInt64(range.last.value - range.first.value) + 1
            let start = cursors[index].map { max(range.first.value, min($0, range.last.value)) } ?? range.first.value
            var candidate = start
            for _ in 0..<size {
                let address = IPv4Address(candidate)
                if !reserved.contains(address) && isAvailable(address, for: client, now: now) {
                    cursors[index] = candidate == range.last.value ? range.first.value : candidate + 1
                    return address
                }
                candidate = candidate == range.last.value ? range.first.value : candidate + 1
            }
            exhausted[index] = now
        }
        return nil
    }

    /// The ranges changed (a `net-update`): what was learnt about them by index no longer holds.
    mutating func rangesChanged() {
        cursors = [:]
        exhausted = [:]
    }

    mutating func offer(_ address: IPv4Address, to client: ClientKey, origin: DHCPOrigin?, now: Int64) {
        if let previous = offerByClient[client], previous != address {
            offers[previous] = nil
            exhausted = [:]
        }
        offers[address] = Offer(client: client, expiresAt: now + Self.offerHoldSeconds, origin: origin)
        offerByClient[client] = address
    }

    /// Records a granted lease; returns the lease it displaced for this client, if any (to delete).
    @discardableResult
    mutating func insert(_ lease: DHCPLease) -> DHCPLease? {
        let client = Self.key(of: lease)
        var displaced: DHCPLease?
        if let previous = byClient[client], previous != lease.ip {
            displaced = leases.removeValue(forKey: previous)
            exhausted = [:]
        }
        if let other = leases[lease.ip], Self.key(of: other) != client { byClient[Self.key(of: other)] = nil }
        leases[lease.ip] = lease
        byClient[client] = lease.ip
        // The offer becomes this lease: nothing is freed unless it was for another address.
        withdrawOffer(for: client, freeing: offerByClient[client] != lease.ip)
        declined[lease.ip] = nil
        return displaced
    }

    /// Forgets the address held for `client` (it took a lease, or chose another server).
    mutating func withdrawOffer(for client: ClientKey, freeing: Bool = true) {
        if let address = offerByClient.removeValue(forKey: client), offers[address]?.client == client {
            offers[address] = nil
            if freeing { exhausted = [:] }
        }
    }

    @discardableResult
    mutating func remove(_ address: IPv4Address) -> DHCPLease? {
        guard let lease = leases.removeValue(forKey: address) else { return nil }
        exhausted = [:]
        let client = Self.key(of: lease)
        if byClient[client] == address { byClient[client] = nil }
        return lease
    }

    /// Quarantines `address`, charged to `origin`; false when the quarantine is full (the address
    /// is then simply free again).
    @discardableResult
    mutating func decline(_ address: IPv4Address, origin: DHCPOrigin?, now: Int64) -> Bool {
        offers[address] = nil
        if declined.count >= Self.maximumQuarantined {
            declined = declined.filter { $0.value.until > now }
            guard declined.count < Self.maximumQuarantined else { return false }
        }
        declined[address] = Quarantine(until: now + Self.declineQuarantineSeconds, origin: origin)
        return true
    }

    /// How many quarantined addresses `origin`'s clients declined and are still in quarantine.
    func quarantined(chargedTo origin: DHCPOrigin, now: Int64) -> Int {
        declined.values.reduce(0) { $0 + ($1.origin == origin && $1.until > now ? 1 : 0) }
    }

    /// Leases whose time is up, removed from the table; the caller deletes them from the store.
    mutating func reclaimExpired(now: Int64) -> [DHCPLease] {
        let expired = leases.values.filter { $0.isExpired(at: now) }
        for lease in expired { remove(lease.ip) }
        offers = offers.filter { $0.value.expiresAt > now }
        offerByClient = offerByClient.filter { offers[$0.value]?.client == $0.key }
        declined = declined.filter { $0.value.until > now }
        exhausted = [:]
        return expired
    }

    var pendingOffers: Int { offers.count }
}
