import ArgumentParser
import CPatchbay
import DHCPServer
import DNSServer
import Foundation
import Hummingbird
import Logging
import LoopGuard
import NFTablesKernel
import NWFilter
import Netlink
import OVSDBClient
import PatchbayAPI
import PatchbayEngine
import PatchbayKernel
import PatchbayModel
import PatchbayStoreSQLite
import Synchronization

/// `patchbayd`: owns the kernel state of every Patchbay network in its network namespace and
/// serves the API the CLI talks to.
@main
struct Patchbayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchbayd", abstract: "The Patchbay daemon.", version: PatchbayVersion.current)

    @Option(help: ArgumentHelp("Path of the API socket (mode 0660, owned by root and --socket-group).", valueName: "path"))
    var socket = "/run/patchbay/patchbay.sock"

    @Option(name: .customLong("socket-group"),
            help: ArgumentHelp("The group that may use the API socket (the administrators'); root's when not given.", valueName: "name"))
    var socketGroup: String?

    @Option(name: .customLong("helper-socket"),
            help: ArgumentHelp("Path of the socket patchbay-bridge-helper asks for TAPs on (mode 0666; the ACL decides).", valueName: "path"))
    var helperSocket = "/run/patchbay/helper.sock"

    @Option(name: .customLong("helper-acl"),
            help: ArgumentHelp("Who may attach guests to which network through the bridge helper (deny by default; root always may).",
                               valueName: "path"))
    var helperACL = "/etc/patchbay/helper.acl"

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Directory for the state database.", valueName: "dir"))
    var stateDirectory = "/var/lib/patchbay"

    @Option(name: .customLong("resolv-conf"),
            help: ArgumentHelp("Where the host's DNS servers are read, for names no network answers itself.", valueName: "path"))
    var resolvConf = "/etc/resolv.conf"

    @Option(name: .customLong("dhcp-max-leases-per-port"),
            help: ArgumentHelp("How many DHCP clients one bridge port or relay may hold addresses for (0: no limit).",
                               valueName: "n"))
    var dhcpMaxLeasesPerPort = DHCPServerManager.defaultMaxClientsPerPort

    @Option(name: .customLong("dhcp-relay"),
            help: ArgumentHelp("A DHCP relay agent (its giaddr) whose relayed requests are answered; repeat for more. Relayed requests from any other address are dropped.",
                               valueName: "address"))
    var dhcpRelays: [String] = []

    @Option(name: .customLong("dns-tcp-connections-per-client"),
            help: ArgumentHelp("How many DNS-over-TCP connections one client address may hold open to a network's server (128 per network, 512 in all).",
                               valueName: "n"))
    var dnsTCPPerClient = DNSConnectionBudget.Limits().perClient

    @Option(name: .customLong("dns-tcp-lifetime"),
            help: ArgumentHelp("The longest a DNS-over-TCP connection may stay open, busy or not, in seconds.", valueName: "seconds"))
    var dnsTCPLifetime = Int(DNSConnectionBudget.Limits().lifetimeSeconds)

    @Flag(name: .customLong("no-firewall-coexistence"),
          help: "Do not add accept rules for Patchbay's bridges to other programs' forward chains that would drop their traffic.")
    var noFirewallCoexistence = false

    @Option(name: .customLong("loop-protection"),
            help: ArgumentHelp("How bridges with stp='on' are kept free of loops: loop-guard (no kernel STP, new ports forward at once, Patchbay disables a port that closes a loop) or kernel-stp (libvirt's way: new ports wait two forward delays, at least 4 s).",
                               valueName: "mode"))
    var loopProtection = LoopProtection.loopGuard.rawValue

    @Option(name: .customLong("loop-probe-interval-ms"),
            help: ArgumentHelp("How often the loop guard probes every port, in milliseconds (100 to 10000): a loop lasts at most this long; shorter costs more CPU.",
                               valueName: "ms"))
    var loopProbeIntervalMilliseconds = 1000

    @Option(name: .customLong("ovsdb"),
            help: ArgumentHelp("The unix socket of Open vSwitch's ovsdb-server, for networks with <virtualport type='openvswitch'/>.",
                               valueName: "path"))
    var ovsdbSocket = "/var/run/openvswitch/db.sock"

    @Option(name: .customLong("vhost-user-dir"),
            help: ArgumentHelp("Where vhost-user ports' sockets are named (QEMU serves them; OVS-DPDK connects).", valueName: "dir"))
    var vhostUserDirectory = "/run/patchbay/vhost-user"

    @Option(name: .customLong("nwfilter-dir"),
            help: ArgumentHelp("Where libvirt keeps network filters; those found there override Patchbay's built-ins of the same name.",
                               valueName: "dir"))
    var nwfilterDirectory = "/etc/libvirt/nwfilter"

    @Option(name: .customLong("metrics-listen"),
            help: ArgumentHelp("Also serve /metrics (Prometheus) over TCP on this address, e.g. 127.0.0.1:9477; it is always on the API socket.",
                               valueName: "host:port"))
    var metricsListen: String?

    @Option(name: .customLong("event-history"),
            help: ArgumentHelp("How many recent events are kept (in memory and in the store) for clients that resume.", valueName: "count"))
    var eventHistory: Int = 10_000

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level '\(logLevel)'") }
        guard (1...1_000_000).contains(eventHistory) else { throw ValidationError("--event-history must be 1 to 1000000, not \(eventHistory)") }
        if let metricsListen, MetricsListen(metricsListen) == nil {
            throw ValidationError("--metrics-listen must be HOST:PORT with an IP address (e.g. 127.0.0.1:9477 or [::1]:9477), not '\(metricsListen)'")
        }
        guard (100...10_000).contains(loopProbeIntervalMilliseconds) else {
            throw ValidationError("--loop-probe-interval-ms must be from 100 to 10000, not \(loopProbeIntervalMilliseconds)")
        }
        guard LoopProtection(rawValue: loopProtection) != nil else {
            throw ValidationError("--loop-protection must be loop-guard or kernel-stp, not '\(loopProtection)'")
        }
        guard dhcpMaxLeasesPerPort >= 0 else {
            throw ValidationError("--dhcp-max-leases-per-port must be 0 or more, not \(dhcpMaxLeasesPerPort)")
        }
        guard (1...128).contains(dnsTCPPerClient) else { throw ValidationError("--dns-tcp-connections-per-client must be from 1 to 128") }
        guard (1...3600).contains(dnsTCPLifetime) else { throw ValidationError("--dns-tcp-lifetime must be from 1 to 3600 seconds") }
        for relay in dhcpRelays where IPv4Address(relay) == nil {
            throw ValidationError("--dhcp-relay '\(relay)' is not an IPv4 address")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return handler
        }
        let logger = Logger(label: "patchbayd")
        do {
            try await serve(logger: logger)
        } catch let error as PatchbayError {
            logger.critical("patchbayd cannot run", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }

    /// `PATCHBAY_TEST_CRASH_AT=<step>` (tests only): the daemon kills itself with SIGKILL when an
    /// operation reaches that step, as a crash would.
    static func faultPoints(logger: Logger) -> FaultPoints {
        guard let step = ProcessInfo.processInfo.environment["PATCHBAY_TEST_CRASH_AT"], !step.isEmpty else { return .none }
        logger.warning("test fault injection: the daemon will kill itself at step \(step)")
        return FaultPoints { reached in
            guard reached.rawValue == step else { return }
            logger.critical("test fault injection: killed at \(step)")
            kill(getpid(), SIGKILL)
            while true { pause() }
        }
    }

    /// The doctor's kernel probe; without one `patchbay doctor` says so rather than guessing.
    static func doctorProbe(resolvConf: String, coexistence: Bool, logger: Logger) -> KernelDoctorProbe? {
        do { return try KernelDoctorProbe(resolvConfPath: resolvConf, coexistence: coexistence) } catch {
            logger.error("patchbay doctor will not read the kernel: cannot open a netlink session", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func serve(logger: Logger) async throws {
        let files = DaemonFiles(stateDirectory: stateDirectory, socketPath: socket, helperSocketPath: helperSocket)
        _ = try DaemonFiles.groupID(socketGroup)
        try files.prepare()
        let lock = try files.lockStateDirectory()
        defer { lock.release() }
        try files.removeStaleSocket()
        // Every DNS-over-TCP client and TAP costs a descriptor; the budget is set well below this.
        _ = cpatchbay_set_nofile_limit()

        // Before anything else: an address someone else holds is a clear refusal, not a daemon
        // that runs without what it was asked for.
        let metricsAddress = metricsListen.flatMap(MetricsListen.init)
        try metricsAddress?.checkAvailable()
        let store = try SQLiteStore(path: files.databasePath)
        let session: NetlinkSession
        // tc runs on a thread of its own with a socket of its own: two threads on one netlink
        // socket could take each other's replies.
        let shapingSession: NetlinkSession
        let ingress: DHCPIngress
        do {
            session = try NetlinkSession()
            shapingSession = try NetlinkSession()
            ingress = try DHCPIngress(logger: logger)
        } catch {
            throw PatchbayError(.kernel, "cannot open a netlink or packet socket", cause: error.description)
        }
        let relays = Set(dhcpRelays.compactMap(IPv4Address.init))
        let dhcp = DHCPServerManager(store: store, ingress: ingress, logger: logger,
                                     now: { Int64(Date().timeIntervalSince1970) }, maxClientsPerPort: dhcpMaxLeasesPerPort,
                                     trustedRelays: relays)
        let budget = DNSConnectionBudget(limits: .init(perClient: dnsTCPPerClient, lifetimeSeconds: Int64(dnsTCPLifetime)))
        let dns = DNSServerManager(logger: logger, resolvConfPath: resolvConf, budget: budget)
        let leaseEvents = LeaseEvents()
        let leaseNotices = LeaseNoticeQueue()
        let services = DaemonNetworkServices(dhcp: dhcp, dns: dns, leases: store, events: leaseEvents, notices: leaseNotices)
        let firewall: NFTablesFirewall
        do {
            firewall = try NFTablesFirewall(statePath: files.firewallStatePath, coexistence: !noFirewallCoexistence, logger: logger)
        } catch {
            throw PatchbayError(.kernel, "cannot open libnftables", cause: error.description)
        }
        let nwfilter: NWFilterFirewall
        do {
            nwfilter = try NWFilterFirewall(statePath: files.nwfilterStatePath, logger: logger)
        } catch {
            throw PatchbayError(.kernel, "cannot open libnftables", cause: error.description)
        }
        let systemFilters = SystemNWFilters.read(directory: nwfilterDirectory, logger: logger)
        let protection = LoopProtection(rawValue: loopProtection) ?? .loopGuard
        // Bridges with stp='on' run without kernel STP; the loop guard keeps them loop-free. Its
        // sockets open before recovery switches any bridge's STP off, so a daemon that cannot
        // guard stops before it leaves a bridge unprotected.
        var loopGuard: LoopGuard?
        if protection == .loopGuard {
            loopGuard = LoopGuard(control: try KernelBridgePortControl(logger: logger), interval: .milliseconds(loopProbeIntervalMilliseconds), logger: logger)
        }
        let guardian = loopGuard
        let kernelLinks = KernelLinks(session: session)
        // Open vSwitch is optional: the client connects when it first needs to, and OVS
        // networks say what is wrong while it is down.
        let ovsSwitch = OVSDBSwitch(socketPath: ovsdbSocket, logger: logger)
        try? FileManager.default.createDirectory(atPath: vhostUserDirectory, withIntermediateDirectories: true)
        let ovsSetup = OVSSetup(ovs: ovsSwitch, kernelDatapath: FileManager.default.fileExists(atPath: "/sys/module/openvswitch"),
                                vhostUserDirectory: vhostUserDirectory,
                                flows: OVSFlowDump(runDirectory: (ovsdbSocket as NSString).deletingLastPathComponent))
        let learner = TrafficAddressLearner(logger: logger)
        // The event stream goes on from what the store kept: ids keep growing across restarts.
        let hub = EventHub(capacity: eventHistory, restoring: try await store.recentEvents(limit: eventHistory), store: store,
                           clock: { Int64(Date().timeIntervalSince1970 * 1000) }, logger: logger)
        let eventWriter = Task { await hub.persist() }
        defer {
            hub.finishPersisting()
            eventWriter.cancel()
        }
        let engine = NetworkEngine(store: store, links: kernelLinks, services: services, firewall: firewall,
                                   loopProtection: protection, faults: Self.faultPoints(logger: logger),
                                   guardedBridgesChanged: { guardian?.setGuardedBridges($0) },
                                   hostdev: KernelHostdev(session: session), ovs: ovsSetup, nwfilter: nwfilter,
                                   systemNWFilters: systemFilters, bandwidth: KernelBandwidth(session: shapingSession),
                                   addressLearner: learner, events: hub,
                                   doctor: Self.doctorProbe(resolvConf: resolvConf, coexistence: !noFirewallCoexistence, logger: logger),
                                   logger: logger)
        // A lease granted to a port waiting for its address lets its full filter in.
        leaseEvents.set { network, macs in Task { await engine.nwfilterLeasesChanged(network: network, macs: macs) } }
        // CTRL_IP_LEARNING=any: the first address a filtered guest uses becomes its $IP.
        learner.setReport { device, address in await engine.nwfilterAddressLearned(device: device, address: address) }
        leaseNotices.start { network, notices in await engine.leaseEvents(network: network, notices) }
        loopGuard?.setReport { report in
            switch report {
            case let .cut(network, port, partner):
                hub.publish(PatchbayEvent(type: .loopCut, network: network, device: port,
                                          message: "loop: frames leaving \(partner) came back through \(port); \(port) disabled until the loop is gone"))
            case let .restored(network, port):
                hub.publish(PatchbayEvent(type: .loopRestored, network: network, device: port, message: "loop gone: \(port) forwards again"))
            }
        }
        ingress.start()
        loopGuard?.start()
        defer { loopGuard?.stop() }
        for line in await engine.recover() { logger.info("start-up: \(line)") }

        let helper = try HelperServer(socketPath: helperSocket, aclPath: helperACL, engine: engine, logger: logger)
        helper.start()
        defer { helper.stop() }
        // TAPs that QEMU opened through patchbay-bridge-helper vanish when QEMU closes them, and
        // veth pairs with their namespace: the kernel says so (RTM_DELLINK), and the follower's
        // notices sweep those ports. It also feeds the event stream (carrier, FDB).
        let follower: KernelEventFollower
        do {
            follower = try KernelEventFollower(report: { notices, seed in await engine.kernelNotices(notices, seed: seed) }, logger: logger)
        } catch {
            throw PatchbayError(.kernel, "cannot open a netlink socket for link and FDB notices", cause: error.description)
        }
        follower.start()
        defer { follower.stop() }
        // A macvtap held by a QEMU process outlives the process, and no notice says it ended:
        // those ports alone are polled, and only while there are any.
        let sweeper = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await engine.sweepProcessHeldPorts()
            }
        }
        defer { sweeper.cancel() }
        // OVS rows changed behind Patchbay's back (a port deleted, ovs-vswitchd restarted, the
        // database reset) are put back; the monitor also fires at each (re)connection.
        let ovsWatcher = Task {
            while !Task.isCancelled {
                do {
                    try await ovsSwitch.watch { await engine.repairOVSNetworks() }
                } catch {
                    logger.debug("Open vSwitch monitor: \(error)")
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { ovsWatcher.cancel() }
        let socketPath = socket, group = socketGroup
        let insecure = Atomic(false)
        // dpdk-check reads the host's files on a thread of its own, and asks Open vSwitch.
        let dpdkFacts = DPDKHostReader(root: "/")
        let dpdk = DPDKCheckSources(host: { await dpdkFacts.facts() }, openVSwitch: DPDKCheckSources.openVSwitch(from: ovsSwitch))
        let apiMetrics = APIMetrics()
        apiMetrics.add(source: dhcp.statistics.families)
        apiMetrics.add(source: dns.statistics.families)
        if let guardian {
            apiMetrics.add {
                [MetricFamily(name: "patchbay_loop_guard_rounds_total", help: "Rounds of loop probes the loop guard has sent.", kind: .counter,
                              samples: [.init(value: Double(guardian.rounds))]),
                 MetricFamily(name: "patchbay_loop_guard_cuts_total", help: "Ports the loop guard disabled because a loop went through them.",
                              kind: .counter, samples: [.init(value: Double(guardian.cuts))])]
            }
        }
        apiMetrics.add(source: hub.metricFamilies)
        let app = PatchbayServer.application(engine: engine, interfaces: KernelInterfaceBridge(links: kernelLinks), dpdk: dpdk,
                                             metrics: apiMetrics, capture: KernelPacketCapture(logger: logger),
                                             bench: KernelBenchmark(), tuning: KernelTuning(stateDirectory: stateDirectory),
                                             socketPath: socket, logger: logger) {
            do { try DaemonFiles.secureSocket(socketPath, group: group) } catch {
                insecure.store(true, ordering: .relaxed)
                throw error
            }
        }
        defer { unlink(socket) }
        if let metricsAddress {
            let metricsApp = PatchbayServer.metricsApplication(engine: engine, metrics: apiMetrics, host: metricsAddress.host,
                                                               port: metricsAddress.port, logger: logger)
            // Either ending ends both: a daemon is not left half serving.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await app.runService() }
                group.addTask { try await metricsApp.runService() }
                try await group.next()
                group.cancelAll()
            }
        } else {
            try await app.runService()
        }
        if insecure.load(ordering: .relaxed) {
            throw PatchbayError(.storage, "the API socket \(socketPath) could not be given its mode and group")
        }
        await services.stopAll()
        ingress.stop()
        // The last events reach the store before the daemon ends.
        hub.finishPersisting()
        await eventWriter.value
        logger.info("patchbayd stopped")
    }
}
