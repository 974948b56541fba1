import CPatchbay
import Glibc
import DHCPWire
import Logging
import Netlink
import NIOCore
import NIOPosix
import PatchbayModel
import PatchbayStore

/// Told of every lease change once it is durable: the DNS server publishes and withdraws client
/// names with it.
public typealias DHCPLeaseObserver = @Sendable (_ network: String, _ upserts: [DHCPLease], _ deletions: [IPv4Address]) -> Void

/// The DHCP server of one network: a UDP socket on port 67 bound to the network's bridge, the
/// decision core, and the lease store. Requests are decided one at a time on this actor; their
/// lease changes are committed to the store in batches (one transaction for everything that
/// arrived while the previous commit ran), and only then are the replies sent, so a granted
/// lease is always durable before the client hears of it.
public actor DHCPService {
    public nonisolated let network: String
    private var core: DHCPServerCore
    private let store: any LeaseStore
    private let neighbors: NetlinkSession?
    private let logger: Logger
    private let now: @Sendable () -> Int64

    private var channel: NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>?
    private var writer: NIOAsyncChannelOutboundWriter<AddressedEnvelope<ByteBuffer>>?
    private var tasks: [Task<Void, Never>] = []
    private var pending: [DHCPOutcome] = []
    private var flushing = false
    private var interfaceIndex: Int32?
    private let observer: DHCPLeaseObserver?

    public init(pool: DHCPPool, store: any LeaseStore, neighbors: NetlinkSession?, logger: Logger,
                now: @escaping @Sendable () -> Int64, observer: DHCPLeaseObserver? = nil,
                maxClientsPerPort: Int = 0) throws(PatchbayError) {
        network = pool.network
        self.observer = observer
        self.store = store
        self.neighbors = neighbors
        self.logger = logger
        self.now = now
        core = DHCPServerCore(pool: pool, leases: try store.leases(network: pool.network), maxClientsPerOrigin: maxClientsPerPort)
    }

    public var leases: [DHCPLease] { core.leases }
    public var pool: DHCPPool { core.pool }

    /// Opens the socket and starts answering.
    public func start() async throws(PatchbayError) {
        let interface = core.pool.interface
        do {
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_broadcast), value: 1)
                .bind(host: "0.0.0.0", port: 67) { channel in
                    // SO_BINDTODEVICE before bind: this socket hears and answers only the
                    // network's bridge, and every network can bind port 67 on its own bridge.
                    DHCPService.bindToDevice(channel, interface).flatMapThrowing {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                    }
                }
            self.channel = channel
        } catch {
            throw PatchbayError(.kernel, "cannot serve DHCP on \(interface)", cause: "\(error)")
        }
        interfaceIndex = try? neighbors?.interfaceIndex(of: interface)
        reclaim()
        guard let channel else { return }
        tasks.append(Task { [weak self] in
            do {
                try await channel.executeThenClose { inbound, outbound in
                    await self?.setWriter(outbound)
                    for try await envelope in inbound {
                        await self?.receive(envelope)
                    }
                }
            } catch is CancellationError {
            } catch {
                await self?.logReadFailure(error)
            }
        })
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(60))
                await self?.reclaim()
            }
        })
        logger.info("DHCP server started", metadata: ["network": "\(network)", "interface": "\(interface)",
                                                      "leases": "\(core.leases.count)"])
    }

    public func stop() async {
        for task in tasks { task.cancel() }
        tasks = []
        if let channel {
            try? await channel.channel.close()
        }
        channel = nil
        writer = nil
        logger.info("DHCP server stopped", metadata: ["network": "\(network)"])
    }

    /// SO_BINDTODEVICE takes the interface name (up to IFNAMSIZ bytes, NUL-terminated).
    static func bindToDevice(_ channel: any Channel, _ interface: String) -> EventLoopFuture<Void> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(PatchbayError(.internal, "the DHCP channel does not take socket options"))
        }
        var name: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &name) { raw in
            for (i, byte) in interface.utf8.prefix(15).enumerated() { raw[i] = byte }
        }
        return provider.unsafeSetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_BINDTODEVICE), value: name)
    }

    private func setWriter(_ writer: NIOAsyncChannelOutboundWriter<AddressedEnvelope<ByteBuffer>>) {
        self.writer = writer
    }

    private func logReadFailure(_ error: any Error) {
        logger.error("DHCP socket failed", metadata: ["network": "\(network)", "error": "\(error)"])
    }

    private func receive(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let bytes = Array(envelope.data.readableBytesView)
        let request: DHCPMessage
        do { request = try DHCPMessage.parse(bytes) } catch {
            logger.debug("dropped malformed DHCP packet", metadata: ["network": "\(network)", "from": "\(envelope.remoteAddress)", "error": "\(error)"])
            return
        }
        let outcome = core.handle(request, now: now(), origin: origin(of: request))
        logger.debug("\(outcome.summary)", metadata: ["network": "\(network)"])
        guard outcome.reply != nil || !outcome.upserts.isEmpty || !outcome.deletions.isEmpty else { return }
        pending.append(outcome)
        if !flushing {
            flushing = true
            Task { await self.flush() }
        }
    }

    /// Where the client sits, when the per-port limit needs to know (a DISCOVER or REQUEST and a
    /// limit set): its relay, or the bridge port that learned its MAC address as a source.
    private func origin(of request: DHCPMessage) -> DHCPOrigin? {
        guard core.maxClientsPerOrigin > 0, let type = request.messageType, type == .discover || type == .request else { return nil }
        if request.giaddr.value != 0 { return .relay(request.giaddr) }
        guard let neighbors, let bridge = interfaceIndex, let mac = request.clientMAC else { return nil }
        do {
            return try neighbors.bridgePort(of: mac, bridgeIndex: bridge).map(DHCPOrigin.port) ?? .unlearned
        } catch {
            logger.warning("cannot look up the bridge port of a DHCP client", metadata: ["network": "\(network)", "mac": "\(mac)", "error": "\(error)"])
            return nil
        }
    }

    /// Group commit: everything pending goes to the store in one transaction, then out.
    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            let upserts = batch.flatMap(\.upserts)
            let deletions = batch.flatMap(\.deletions).map { (network: network, ip: $0) }
            do {
                try store.apply(upserts: upserts, deletions: deletions)
            } catch {
                // Without the lease on disk the ACK must not go out; the client will retry.
                logger.error("cannot record DHCP leases; replies withheld", metadata: ["network": "\(network)", "error": "\(error)"])
                continue
            }
            if let observer, !upserts.isEmpty || !deletions.isEmpty {
                observer(network, upserts, deletions.map(\.ip))
            }
            for outcome in batch {
                if let reply = outcome.reply, let destination = outcome.destination { await send(reply, to: destination) }
            }
        }
        flushing = false
    }

    private func send(_ reply: DHCPMessage, to destination: DHCPReplyDestination) async {
        guard let writer else { return }
        let target: (IPv4Address, Int)
        switch destination {
        case .relay(let giaddr): target = (giaddr, 67)
        case .broadcast: target = (IPv4Address(255, 255, 255, 255), 68)
        case .unicast(let address): target = (address, 68)
        case .hardware(let address, let mac):
            // The client cannot answer ARP yet: tell the kernel where the address lives.
            if let neighbors, let index = interfaceIndex {
                do {
                    try neighbors.replaceNeighbor(.v4(address), mac: mac, interfaceIndex: index)
                    target = (address, 68)
                } catch {
                    logger.warning("cannot add neighbour entry; broadcasting instead", metadata: ["error": "\(error)"])
                    target = (IPv4Address(255, 255, 255, 255), 68)
                }
            } else {
                target = (IPv4Address(255, 255, 255, 255), 68)
            }
        }
        do {
            let address = try SocketAddress(ipAddress: target.0.description, port: target.1)
            try await writer.write(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: reply.encoded())))
        } catch {
            logger.warning("cannot send DHCP reply", metadata: ["network": "\(network)", "to": "\(target.0):\(target.1)", "error": "\(error)"])
        }
    }

    private func reclaim() {
        let expired = core.reclaimExpired(now: now())
        guard !expired.isEmpty else { return }
        do {
            try store.apply(upserts: [], deletions: expired.map { (network: network, ip: $0.ip) })
            observer?(network, [], expired.map(\.ip))
            logger.info("reclaimed expired leases", metadata: ["network": "\(network)", "count": "\(expired.count)"])
        } catch {
            logger.error("cannot remove expired leases", metadata: ["network": "\(network)", "error": "\(error)"])
        }
    }
}
