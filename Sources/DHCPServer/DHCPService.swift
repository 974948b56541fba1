import CPatchbay
import DHCPWire
import Glibc
import Logging
import PatchbayModel
import PatchbayStore

/// Told of every lease change once it is durable: the DNS server publishes and withdraws client
/// names with it.
public typealias DHCPLeaseObserver = @Sendable (_ network: String, _ upserts: [DHCPLease], _ deletions: [IPv4Address],
                                                _ changes: [DHCPLeaseChange]) -> Void

/// The DHCP server of one network. Requests come from the daemon's `DHCPIngress` with the bridge
/// port they arrived on; they are decided one at a time on this actor by the pure
/// `DHCPServerCore`; their lease changes are committed to the store in batches (one transaction
/// for everything that arrived while the previous commit ran, on the store's own thread), and
/// only then are the replies sent, so a granted lease is always durable before the client hears
/// of it.
///
/// What the service checks before the core decides: a request without a relay must come from the
/// MAC address it names (chaddr is the Ethernet source), a relayed one from a relay agent the
/// daemon was told to trust (`--dhcp-relay`), from the relay's own address; anything else is
/// dropped. Replies go out of a UDP
/// socket bound to the bridge (which reads nothing: a filter drops whatever reaches it), or, to a
/// client that cannot answer ARP yet, as a whole frame to its MAC address.
public actor DHCPService {
    public nonisolated let network: String
    private var core: DHCPServerCore
    private let store: any LeaseStore
    private let ingress: DHCPIngress
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let observer: DHCPLeaseObserver?
    private let statistics: DHCPStatistics
    private let trustedRelays: Set<IPv4Address>
    private let bridgeIndex: Int32
    /// An Open vSwitch internal port: requests arrive on it, every guest with it as origin, so
    /// the per-port share is off (one origin for all would starve the second guest).
    private let ownFrames: Bool
    private let bridgeMAC: MACAddress?
    private let socket: Int32
    private var pending: [DHCPOutcome] = []
    private var flushing: Task<Void, Never>?
    private var reclaimer: Task<Void, Never>?
    private var stopped = false
    private var reloading = false
    private let inbound: AsyncStream<(DHCPFrame, Int32)>.Continuation
    private var reader: Task<Void, Never>?

    /// Opens the reply socket on the pool's bridge, loads the network's leases, and starts
    /// answering what `ingress` hands over.
    public static func start(pool: DHCPPool, store: any LeaseStore, ingress: DHCPIngress, logger: Logger,
                             now: @escaping @Sendable () -> Int64, observer: DHCPLeaseObserver? = nil,
                             maxClientsPerPort: Int = 0, trustedRelays: Set<IPv4Address> = [],
                             statistics: DHCPStatistics = DHCPStatistics()) async throws(PatchbayError) -> DHCPService {
        let interface = pool.interface
        let bridge: (index: Int32, mac: MACAddress?, ownFrames: Bool)?
        do { bridge = try ingress.bridge(named: interface) } catch {
            throw PatchbayError(.kernel, "cannot serve DHCP on \(interface)", cause: "\(error)")
        }
        guard let bridge else { throw PatchbayError(.notFound, "cannot serve DHCP on \(interface): no such bridge") }
        let fd = interface.withCString { cpatchbay_udp_socket($0, 0, 67) }
        guard fd >= 0 else { throw PatchbayError(.kernel, "cannot serve DHCP on \(interface)", cause: String(cString: strerror(-fd))) }
        let filtered = cpatchbay_attach_drop_filter(fd)
        guard filtered == 0 else {
            close(fd)
            throw PatchbayError(.kernel, "cannot serve DHCP on \(interface)", cause: String(cString: strerror(-filtered)))
        }
        let leases: [DHCPLease]
        do { leases = try await store.leases(network: pool.network) } catch {
            close(fd)
            throw error
        }
        let service = DHCPService(pool: pool, leases: leases, store: store, ingress: ingress, logger: logger, now: now, observer: observer,
                                  maxClientsPerPort: bridge.ownFrames ? 0 : maxClientsPerPort, trustedRelays: trustedRelays,
                                  bridgeIndex: bridge.index, bridgeMAC: bridge.mac, ownFrames: bridge.ownFrames, socket: fd,
                                  statistics: statistics)
        await service.run()
        return service
    }

    private init(pool: DHCPPool, leases: [DHCPLease], store: any LeaseStore, ingress: DHCPIngress, logger: Logger,
                 now: @escaping @Sendable () -> Int64, observer: DHCPLeaseObserver?, maxClientsPerPort: Int,
                 trustedRelays: Set<IPv4Address>, bridgeIndex: Int32, bridgeMAC: MACAddress?, ownFrames: Bool, socket: Int32,
                 statistics: DHCPStatistics) {
        self.statistics = statistics
        self.ownFrames = ownFrames
        network = pool.network
        self.store = store
        self.ingress = ingress
        self.logger = logger
        self.now = now
        self.observer = observer
        self.trustedRelays = trustedRelays
        self.bridgeIndex = bridgeIndex
        self.bridgeMAC = bridgeMAC
        self.socket = socket
        core = DHCPServerCore(pool: pool, leases: leases, maxClientsPerOrigin: maxClientsPerPort)
        (stream, inbound) = AsyncStream<(DHCPFrame, Int32)>.makeStream(bufferingPolicy: .bufferingNewest(4096))
    }

    private let stream: AsyncStream<(DHCPFrame, Int32)>

    public var leases: [DHCPLease] { core.leases }
    public var pool: DHCPPool { core.pool }

    private func run() {
        let inbound = self.inbound
        ingress.register(bridgeIndex: bridgeIndex, ownFrames: ownFrames) { frame, port in inbound.yield((frame, port)) }
        let stream = self.stream
        reader = Task { [weak self] in
            for await (frame, port) in stream { await self?.receive(frame, port: port) }
        }
        reclaim()
        reclaimer = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(60))
                await self?.reclaim()
            }
        }
        logger.info("DHCP server started", metadata: ["network": "\(network)", "interface": "\(core.pool.interface)",
                                                      "leases": "\(core.leases.count)"])
    }

    /// A new pool for the same bridge: the socket, leases and offers stay.
    public func reconfigure(_ pool: DHCPPool) {
        core.reconfigure(pool)
        logger.info("DHCP server reconfigured", metadata: ["network": "\(network)"])
    }

    /// Stops answering; returns once the last batch of lease changes is committed, so a server
    /// started next for the network loads them (and cannot offer an address this one just
    /// acknowledged).
    public func stop() async {
        guard !stopped else { return }
        stopped = true
        ingress.unregister(bridgeIndex: bridgeIndex)
        inbound.finish()
        reader?.cancel()
        reclaimer?.cancel()
        await flushing?.value
        close(socket)
        logger.info("DHCP server stopped", metadata: ["network": "\(network)"])
    }

    private func receive(_ frame: DHCPFrame, port: Int32) {
        // While the core is being reloaded after a failed commit, what it would decide is lost
        // anyway: the clients retry.
        guard !stopped, !reloading, frame.destinationPort == 67 else { return }
        // Only requests to this server: broadcasts, and unicasts to its own address.
        guard frame.ipDestination == IPv4Address(255, 255, 255, 255) || frame.ipDestination == core.pool.serverAddress
                || frame.ipDestination == core.pool.broadcast else { return }
        let began = ContinuousClock.now
        let request: DHCPMessage
        do { request = try DHCPMessage.parse(frame.payload) } catch {
            logger.debug("dropped malformed DHCP packet", metadata: ["network": "\(network)", "port": "\(port)", "error": "\(error)"])
            return
        }
        statistics.request(network, request.options.messageType)
        let origin: DHCPOrigin
        if request.giaddr.value != 0 {
            guard trustedRelays.contains(request.giaddr), frame.ipSource == request.giaddr else {
                statistics.refused(network, "forged")
                logger.debug("dropped a relayed DHCP request from a relay that is not configured",
                             metadata: ["network": "\(network)", "giaddr": "\(request.giaddr)", "port": "\(port)"])
                return
            }
            origin = .relay(request.giaddr, port: port)
        } else {
            guard let mac = request.clientMAC, mac == frame.ethernetSource else {
                statistics.refused(network, "forged")
                logger.debug("dropped a DHCP request whose chaddr is not its Ethernet source",
                             metadata: ["network": "\(network)", "chaddr": "\(request.clientMAC.map { "\($0)" } ?? "-")",
                                        "source": "\(frame.ethernetSource)", "port": "\(port)"])
                return
            }
            origin = .port(port)
        }
        let bridge = bridgeIndex, ingress = self.ingress
        var outcome = core.handle(request, now: now(), origin: origin) { ingress.isPort($0.port, ofBridge: bridge) }
        outcome.received = began
        if let refusal = outcome.refusal { statistics.refused(network, refusal) }
        logger.debug("\(outcome.summary)", metadata: ["network": "\(network)", "origin": "\(origin)"])
        guard outcome.reply != nil || !outcome.upserts.isEmpty || !outcome.deletions.isEmpty || !outcome.changes.isEmpty else { return }
        // An OFFER (or NAK, or INFORM's ACK) changes no lease: nothing to make durable, so it
        // does not wait for the commit in progress (that wait was half the OFFER's latency).
        // What it offers is held in memory only, and a REQUEST for it is committed after every
        // change decided before it.
        if outcome.upserts.isEmpty && outcome.deletions.isEmpty && outcome.changes.isEmpty, let reply = outcome.reply,
           let destination = outcome.destination {
            send(reply, to: destination)
            statistics.replied(network, reply.options.messageType, seconds: Self.seconds(since: began))
            return
        }
        pending.append(outcome)
        if flushing == nil {
            flushing = Task { await self.flush() }
        }
    }

    /// Group commit: everything pending goes to the store in one transaction, then out. A batch
    /// the store refuses is not answered (the clients retry) and the core goes back to what the
    /// store holds, so nothing it decided lives on only in memory.
    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            let upserts = batch.flatMap(\.upserts)
            let deletions = batch.flatMap(\.deletions).map { LeaseKey(network: network, ip: $0) }
            do {
                try await store.apply(upserts: upserts, deletions: deletions)
            } catch {
                logger.error("cannot record DHCP leases; replies withheld", metadata: ["network": "\(network)", "error": "\(error)"])
                await reloadFromStore()
                continue
            }
            let changes = batch.flatMap(\.changes)
            statistics.committed(network, changes)
            if let observer, !upserts.isEmpty || !deletions.isEmpty || !changes.isEmpty {
                observer(network, upserts, deletions.map(\.ip), changes)
            }
            for outcome in batch {
                guard let reply = outcome.reply, let destination = outcome.destination else { continue }
                send(reply, to: destination)
                statistics.replied(network, reply.options.messageType, seconds: outcome.received.map(Self.seconds(since:)))
            }
        }
        flushing = nil
    }

    private func reloadFromStore() async {
        reloading = true
        defer { reloading = false }
        do {
            let leases = try await store.leases(network: network)
            core = DHCPServerCore(pool: core.pool, leases: leases, maxClientsPerOrigin: core.maxClientsPerOrigin)
        } catch {
            logger.error("cannot reload the leases after a failed commit", metadata: ["network": "\(network)", "error": "\(error)"])
        }
        // Decided by the old core: not answered, not stored.
        pending = []
    }

    private func send(_ reply: DHCPMessage, to destination: DHCPReplyDestination) {
        switch destination {
        case .relay(let giaddr): sendUDP(reply, to: giaddr, port: 67)
        case .broadcast: sendUDP(reply, to: IPv4Address(255, 255, 255, 255), port: 68)
        case .unicast(let address): sendUDP(reply, to: address, port: 68)
        case .hardware(let address, let mac):
            // The client cannot answer ARP yet: the reply goes to its MAC address as a whole frame,
            // out of the bridge, which forwards it to the client's port.
            guard let source = bridgeMAC else { return sendUDP(reply, to: IPv4Address(255, 255, 255, 255), port: 68) }
            let frame = DHCPFrame(ethernetDestination: mac, ethernetSource: source, ipSource: core.pool.serverAddress,
                                  ipDestination: address, sourcePort: 67, destinationPort: 68, payload: reply.encoded())
            do { try ingress.send(frame.encoded(), interfaceIndex: bridgeIndex) } catch {
                logger.warning("cannot send a DHCP reply frame; broadcasting instead", metadata: ["network": "\(network)", "error": "\(error)"])
                sendUDP(reply, to: IPv4Address(255, 255, 255, 255), port: 68)
            }
        }
    }

    private func sendUDP(_ reply: DHCPMessage, to address: IPv4Address, port: UInt16) {
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = port.bigEndian
        target.sin_addr.s_addr = address.value.bigEndian
        let bytes = reply.encoded()
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(socket, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        if sent < 0 {
            logger.warning("cannot send DHCP reply", metadata: ["network": "\(network)", "to": "\(address):\(port)",
                                                                "error": "\(String(cString: strerror(errno)))"])
        }
    }

    private func reclaim() {
        let expired = core.reclaimExpired(now: now())
        guard !expired.isEmpty else { return }
        var outcome = DHCPOutcome(reply: nil, destination: nil, deletions: expired.map(\.ip), summary: "reclaimed \(expired.count) expired leases")
        outcome.changes = expired.map(DHCPLeaseChange.expired)
        pending.append(outcome)
        if flushing == nil { flushing = Task { await self.flush() } }
        logger.info("reclaimed expired leases", metadata: ["network": "\(network)", "count": "\(expired.count)"])
    }

    static func seconds(since instant: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - instant
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
