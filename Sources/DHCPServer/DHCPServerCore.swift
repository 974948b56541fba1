import DHCPWire
import PatchbayModel

/// The DHCP server's decisions for one network (RFC 2131 §4.3): which address a client gets,
/// which requests are acknowledged, refused or ignored, and what the reply carries. No sockets,
/// no store, no clock of its own: the service feeds it requests and the time, and carries out
/// the outcome. That keeps every rule unit-testable.
public struct DHCPServerCore: Sendable {
    public private(set) var pool: DHCPPool {
        didSet { poolOptions = Self.options(of: pool) }
    }
    /// The options every reply of this pool can carry, encoded once per configuration rather
    /// than for every reply.
    var poolOptions: [(code: UInt8, value: [UInt8])] = []
    var table: DHCPLeaseTable
    /// How many clients one origin (bridge port, relay) may hold addresses for at once, offers
    /// and addresses its clients declined included; 0 for no limit. A guest that floods DISCOVERs
    /// or REQUESTs with made-up MAC addresses or client IDs gets this many addresses and no more,
    /// charged to the port its frames really came in on, and the rest of the pool stays for
    /// everyone else. Reserved hosts and clients that already hold an address from the same
    /// origin are never refused.
    public var maxClientsPerOrigin: Int
    private var members: [DHCPOrigin: Set<DHCPLeaseTable.ClientKey>] = [:]

    public init(pool: DHCPPool, leases: [DHCPLease], maxClientsPerOrigin: Int = 0) {
        self.pool = pool
        poolOptions = Self.options(of: pool)
        self.maxClientsPerOrigin = maxClientsPerOrigin
        table = DHCPLeaseTable(leases: leases.filter { pool.contains($0.ip) })
    }

    public var leases: [DHCPLease] { table.leases.values.sorted { $0.ip < $1.ip } }

    /// A new configuration for the same network (a `net-update` of its hosts or ranges): the
    /// leases and offers stay; an address the new pool no longer has is NAKed at its next renewal.
    public mutating func reconfigure(_ pool: DHCPPool) {
        if pool.ranges != self.pool.ranges { table.rangesChanged() }
        self.pool = pool
    }

    /// Decides `request`; `origin` says where the client sits: the per-origin limit is charged to
    /// it, and only a DECLINE or RELEASE from the origin that holds an address counts (nil: not
    /// known, as in unit tests of other rules; no limit applied). `isPresent` says whether an
    /// origin still exists (its bridge port is still a port of the network's bridge): a client
    /// whose lease was granted to another origin that still exists is not served from this one, so
    /// a guest that copies another guest's MAC and client ID cannot take its lease over (and then
    /// decline or release it); a guest whose port is gone (moved to a new port) keeps its address.
    public mutating func handle(_ request: DHCPMessage, now: Int64, origin: DHCPOrigin? = nil,
                                isPresent: (DHCPOrigin) -> Bool = { _ in false }) -> DHCPOutcome {
        guard request.op == DHCPMessage.bootRequest else { return .ignore("not a BOOTREQUEST") }
        guard let type = request.messageType else { return .ignore("BOOTP request without DHCP message type") }
        guard let mac = request.clientMAC else { return .ignore("\(type) from a non-Ethernet client (htype \(request.htype))") }
        let client = DHCPLeaseTable.key(mac: mac, clientID: request.options.clientIdentifier)
        if type == .discover || type == .request, let origin, let lease = table.lease(for: client), !lease.isExpired(at: now),
           let holder = lease.origin, holder != origin, isPresent(holder) {
            return .ignore("\(type) from \(mac) on \(origin): its lease of \(lease.ip) is held from \(holder)")
        }
        if type == .discover || type == .request, let origin, maxClientsPerOrigin > 0 {
            let hostname = request.options.string(DHCPOptionCode.hostName)
            if !holdsAddress(client, origin: origin, now: now) && reservation(mac: mac, hostname: hostname) == nil {
                guard admit(client, from: origin, now: now) else {
                    let limit = maxClientsPerOrigin
                    var outcome = DHCPOutcome.ignore("\(type) from \(mac): \(origin) already holds \(limit) addresses, the per-port limit")
                    outcome.refusal = "limit"
                    return outcome
                }
            }
        }
        switch type {
        case .discover: return discover(request, mac: mac, client: client, origin: origin, now: now)
        case .request: return handleRequest(request, mac: mac, client: client, origin: origin, now: now)
        case .decline: return decline(request, client: client, origin: origin, now: now)
        case .release: return release(request, client: client, origin: origin, now: now)
        case .inform: return inform(request)
        case .offer, .ack, .nak: return .ignore("\(type) is a server message")
        }
    }

    /// Whether `client` holds an unexpired lease or an offer that came from `origin`.
    func holdsAddress(_ client: DHCPLeaseTable.ClientKey, origin: DHCPOrigin, now: Int64) -> Bool {
        if let lease = table.lease(for: client), !lease.isExpired(at: now), lease.origin == nil || lease.origin == origin { return true }
        if let address = table.offeredAddress(for: client, now: now), table.offer(at: address, now: now)?.origin == origin { return true }
        return false
    }

    /// Counts `client` against `origin` unless that origin is full. Members whose offer lapsed or
    /// whose lease ended (or moved to another origin) are dropped first, so the count is of what
    /// the origin holds now; addresses its clients declined count until their quarantine ends.
    mutating func admit(_ client: DHCPLeaseTable.ClientKey, from origin: DHCPOrigin, now: Int64) -> Bool {
        var current = members[origin] ?? []
        if current.contains(client) && holdsAddress(client, origin: origin, now: now) { return true }
        let quarantined = table.quarantined(chargedTo: origin, now: now)
        if current.count + quarantined >= maxClientsPerOrigin {
            current = current.filter { holdsAddress($0, origin: origin, now: now) }
        }
        guard current.count + quarantined < maxClientsPerOrigin else {
            members[origin] = current.isEmpty ? nil : current
            return false
        }
        current.insert(client)
        members[origin] = current
        return true
    }

    /// Expired leases are taken out of the table; the caller deletes them from the store.
    public mutating func reclaimExpired(now: Int64) -> [DHCPLease] { table.reclaimExpired(now: now) }

    // MARK: - DISCOVER → OFFER (§4.3.1)

    mutating func discover(_ request: DHCPMessage, mac: MACAddress, client: DHCPLeaseTable.ClientKey, origin: DHCPOrigin?,
                           now: Int64) -> DHCPOutcome {
        let hostname = request.options.string(DHCPOptionCode.hostName)
        guard let address = chooseAddress(mac: mac, client: client, hostname: hostname,
                                           requested: request.options.address(DHCPOptionCode.requestedIPAddress), now: now) else {
            var outcome = DHCPOutcome.ignore("DHCPDISCOVER from \(mac): no address available")
            outcome.refusal = "no-address"
            return outcome
        }
        table.offer(address, to: client, origin: origin, now: now)
        let reply = makeReply(.offer, to: request, yiaddr: address, leaseSeconds: leaseSeconds(for: address, mac: mac, hostname: hostname, request: request))
        return DHCPOutcome(reply: reply, destination: destination(for: request, reply: reply, mac: mac),
                           summary: "DHCPDISCOVER from \(mac) → DHCPOFFER \(address)")
    }

    /// §4.3.1: the client's reservation; else the address already offered to it, its current or
    /// previous (expired) lease, or the address it asks for, the first of those that is free;
    /// else the first free address of the ranges.
    mutating func chooseAddress(mac: MACAddress, client: DHCPLeaseTable.ClientKey, hostname: String?,
                                requested: IPv4Address?, now: Int64) -> IPv4Address? {
        let reserved = Set(pool.reservations.map(\.ip))
        if let reservation = reservation(mac: mac, hostname: hostname) {
            return table.isAvailable(reservation.ip, for: client, now: now) ? reservation.ip : nil
        }
        let candidates = [table.offeredAddress(for: client, now: now), table.lease(for: client)?.ip, requested].compactMap { $0 }
        for candidate in candidates where isInRanges(candidate) && !reserved.contains(candidate) && table.isAvailable(candidate, for: client, now: now) {
            return candidate
        }
        return table.freeAddress(in: pool.ranges, for: client, excluding: reserved, now: now)
    }

    func reservation(mac: MACAddress, hostname: String?) -> DHCPPool.Reservation? {
        pool.reservations.first { $0.mac == mac }
            ?? hostname.flatMap { name in pool.reservations.first { $0.mac == nil && $0.name?.lowercased() == name.lowercased() } }
    }

    func isInRanges(_ address: IPv4Address) -> Bool {
        pool.ranges.contains { address.value >= $0.first.value && address.value <= $0.last.value }
    }

    /// Whether `address` may be granted to this client: its reservation, or a range address not
    /// reserved for someone else and not held by another client.
    func isGrantable(_ address: IPv4Address, mac: MACAddress, client: DHCPLeaseTable.ClientKey, hostname: String?, now: Int64) -> Bool {
        if let reservation = reservation(mac: mac, hostname: hostname) {
            return reservation.ip == address && table.isAvailable(address, for: client, now: now)
        }
        guard isInRanges(address), !pool.reservations.contains(where: { $0.ip == address }) else { return false }
        return table.isAvailable(address, for: client, now: now)
    }

    /// Per-host lease time, else the range's, else the client's request capped by the default.
    func leaseSeconds(for address: IPv4Address, mac: MACAddress, hostname: String?, request: DHCPMessage) -> UInt64? {
        let configured: UInt64
        if let reservation = reservation(mac: mac, hostname: hostname), let seconds = reservation.leaseSeconds {
            configured = seconds
        } else if let range = pool.ranges.first(where: { address.value >= $0.first.value && address.value <= $0.last.value }),
                  let seconds = range.leaseSeconds {
            configured = seconds
        } else {
            configured = pool.defaultLeaseSeconds
        }
        if configured == 0 { return nil }  // infinite
        if let asked = request.options.uint32(DHCPOptionCode.leaseTime), asked >= 120 {
            return min(configured, UInt64(asked))
        }
        return configured
    }

    // MARK: - REQUEST → ACK/NAK (§4.3.2)

    mutating func handleRequest(_ request: DHCPMessage, mac: MACAddress, client: DHCPLeaseTable.ClientKey, origin: DHCPOrigin?,
                                now: Int64) -> DHCPOutcome {
        let serverID = request.options.address(DHCPOptionCode.serverIdentifier)
        let requested = request.options.address(DHCPOptionCode.requestedIPAddress)
        let hostname = request.options.string(DHCPOptionCode.hostName)
        let address: IPv4Address
        let state: String
        if let serverID {
            // SELECTING: the client answers an offer; from another server's offer we stay quiet.
            guard serverID == pool.serverAddress else {
                table.withdrawOffer(for: client)
                return .ignore("DHCPREQUEST from \(mac) for server \(serverID)")
            }
            guard let requested else { return nak(request, mac: mac, "no requested address in SELECTING state") }
            address = requested
            state = "SELECTING"
        } else if let requested {
            // INIT-REBOOT: the client checks an address it remembers.
            address = requested
            state = "INIT-REBOOT"
        } else if request.ciaddr.value != 0 {
            // RENEWING (unicast) or REBINDING (broadcast).
            address = request.ciaddr
            state = "RENEWING/REBINDING"
        } else {
            return .ignore("DHCPREQUEST from \(mac) without server identifier, requested address or ciaddr")
        }
        guard pool.contains(address) else {
            return nak(request, mac: mac, "\(address) is not on network \(pool.serverAddress)/\(pool.prefixLength)")
        }
        guard isGrantable(address, mac: mac, client: client, hostname: hostname, now: now) else {
            return nak(request, mac: mac, "\(address) is not available to this client")
        }
        let seconds = leaseSeconds(for: address, mac: mac, hostname: hostname, request: request)
        let lease = DHCPLease(network: pool.network, mac: mac, ip: address, clientID: request.options.clientIdentifier,
                              hostname: sanitizedHostname(hostname) ?? table.lease(at: address)?.hostname,
                              expiresAt: seconds.map { now + Int64($0) }, origin: origin)
        var outcome = DHCPOutcome(reply: nil, destination: nil, summary: "DHCPREQUEST (\(state)) from \(mac) → DHCPACK \(address)")
        let renewal = table.lease(at: address).map { DHCPLeaseTable.key(of: $0) == client } ?? false
        if let displaced = table.insert(lease) { outcome.deletions.append(displaced.ip) }
        outcome.upserts.append(lease)
        outcome.changes.append(renewal ? .renewed(lease) : .granted(lease))
        let reply = makeReply(.ack, to: request, yiaddr: address, leaseSeconds: seconds, hostname: lease.hostname)
        outcome.reply = reply
        outcome.destination = destination(for: request, reply: reply, mac: mac)
        return outcome
    }

    func nak(_ request: DHCPMessage, mac: MACAddress, _ reason: String) -> DHCPOutcome {
        var reply = DHCPMessage(op: DHCPMessage.bootReply, xid: request.xid)
        reply.htype = request.htype
        reply.hlen = request.hlen
        reply.chaddr = request.chaddr
        reply.giaddr = request.giaddr
        reply.flags = request.giaddr.value != 0 ? DHCPMessage.broadcastFlag : request.flags
        reply.options.messageType = .nak
        reply.options.setAddress(DHCPOptionCode.serverIdentifier, pool.serverAddress)
        reply.options.setString(DHCPOptionCode.message, reason)
        if let clientID = request.options.clientIdentifier { reply.options[DHCPOptionCode.clientIdentifier] = clientID }
        return DHCPOutcome(reply: reply, destination: request.giaddr.value != 0 ? .relay(request.giaddr) : .broadcast,
                           summary: "DHCPREQUEST from \(mac) → DHCPNAK (\(reason))")
    }

    // MARK: - DECLINE, RELEASE, INFORM (§4.3.3 - §4.3.5)

    /// §4.3.3: the client found `address` in use. Honoured only from the client it was offered or
    /// leased to, coming from the same origin, and only for pool addresses: a guest cannot
    /// quarantine another guest's address (its lease is held by another client, or from another
    /// port) nor a reserved host's. The quarantine is charged to the origin's share.
    mutating func decline(_ request: DHCPMessage, client: DHCPLeaseTable.ClientKey, origin: DHCPOrigin?, now: Int64) -> DHCPOutcome {
        guard request.options.address(DHCPOptionCode.serverIdentifier) == pool.serverAddress,
              let address = request.options.address(DHCPOptionCode.requestedIPAddress) else {
            return .ignore("DHCPDECLINE not for this server")
        }
        guard isInRanges(address), !pool.reservations.contains(where: { $0.ip == address }) else {
            return .ignore("DHCPDECLINE of \(address), which is not a pool address")
        }
        let lease = table.lease(at: address)
        let holds = lease.map { DHCPLeaseTable.key(of: $0) == client && !$0.isExpired(at: now) && Self.sameOrigin($0.origin, origin) } ?? false
        let offered = table.offer(at: address, now: now).map { $0.client == client && Self.sameOrigin($0.origin, origin) } ?? false
        guard holds || offered else {
            return .ignore("DHCPDECLINE of \(address) from a client it was not offered or leased to")
        }
        var outcome = DHCPOutcome.ignore("DHCPDECLINE of \(address): quarantined for \(DHCPLeaseTable.declineQuarantineSeconds) s")
        if holds {
            table.remove(address)
            outcome.deletions.append(address)
        }
        outcome.changes.append(.declined(address, request.clientMAC))
        table.withdrawOffer(for: client)
        if !table.decline(address, origin: origin, now: now) {
            outcome.summary = "DHCPDECLINE of \(address): not quarantined (the quarantine is full)"
        }
        return outcome
    }

    /// §4.3.4: honoured only from the client that holds the lease, from the origin it was granted
    /// to: a guest that copies another guest's MAC and client ID into a RELEASE still sends it
    /// from its own port.
    mutating func release(_ request: DHCPMessage, client: DHCPLeaseTable.ClientKey, origin: DHCPOrigin?, now: Int64) -> DHCPOutcome {
        // A client that releases what it was only offered gives the offer back at once, instead
        // of holding the address for the offer's minute: `patchbay doctor`'s DISCOVER probe
        // does, so that probing a nearly full pool does not take its last address away.
        if table.lease(at: request.ciaddr) == nil, let offer = table.offer(at: request.ciaddr, now: now), offer.client == client,
           Self.sameOrigin(offer.origin, origin) {
            table.withdrawOffer(for: client)
            return .ignore("DHCPRELEASE of \(request.ciaddr), only offered to this client: offer withdrawn")
        }
        guard let lease = table.lease(at: request.ciaddr), DHCPLeaseTable.key(of: lease) == client else {
            return .ignore("DHCPRELEASE of \(request.ciaddr) that this client does not hold")
        }
        guard Self.sameOrigin(lease.origin, origin) else {
            return .ignore("DHCPRELEASE of \(request.ciaddr) from \(origin.map { "\($0)" } ?? "?"), not from \(lease.origin.map { "\($0)" } ?? "?") that holds it")
        }
        table.remove(request.ciaddr)
        var outcome = DHCPOutcome.ignore("DHCPRELEASE of \(request.ciaddr) by \(lease.mac)")
        outcome.deletions.append(request.ciaddr)
        outcome.changes.append(.released(lease))
        return outcome
    }

    /// Whether a request from `origin` may act on what was granted to `holder`: yes when either
    /// is unknown (leases stored before origins were kept, unit tests), else only the same one.
    static func sameOrigin(_ holder: DHCPOrigin?, _ origin: DHCPOrigin?) -> Bool {
        guard let holder, let origin else { return true }
        return holder == origin
    }

    /// §4.3.5: configuration without an address: no lease time, yiaddr zero, sent to ciaddr.
    func inform(_ request: DHCPMessage) -> DHCPOutcome {
        guard request.ciaddr.value != 0 else { return .ignore("DHCPINFORM without ciaddr") }
        guard request.giaddr.value != 0 || pool.contains(request.ciaddr) else {
            let network = "\(pool.serverAddress)/\(pool.prefixLength)"
            return .ignore("DHCPINFORM from \(request.ciaddr), which is not on network \(network)")
        }
        let reply = makeReply(.ack, to: request, yiaddr: IPv4Address(0), leaseSeconds: nil, includeLease: false)
        let destination: DHCPReplyDestination = request.giaddr.value != 0 ? .relay(request.giaddr) : .unicast(request.ciaddr)
        return DHCPOutcome(reply: reply, destination: destination, summary: "DHCPINFORM from \(request.ciaddr) → DHCPACK")
    }

    /// RFC 2131 §4.1, in order: relay; (NAK handled separately); ciaddr; broadcast flag; chaddr.
    /// A ciaddr outside the network's subnet is not unicast to: the socket is bound to the bridge,
    /// so the kernel would take any destination as on-link and fill its neighbour table with
    /// whatever addresses a guest makes up.
    func destination(for request: DHCPMessage, reply: DHCPMessage, mac: MACAddress) -> DHCPReplyDestination {
        if request.giaddr.value != 0 { return .relay(request.giaddr) }
        if request.ciaddr.value != 0 { return pool.contains(request.ciaddr) ? .unicast(request.ciaddr) : .broadcast }
        if request.isBroadcastRequested { return .broadcast }
        return .hardware(reply.yiaddr, mac)
    }

    /// Host names become DNS names: keep the first label, letters, digits and hyphens only.
    func sanitizedHostname(_ name: String?) -> String? {
        guard let name else { return nil }
        let label = name.split(separator: ".").first.map(String.init) ?? ""
        let cleaned = String(label.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") })
        return cleaned.isEmpty ? nil : String(cleaned.prefix(63))
    }
}
