import ArgumentParser
import Foundation
import Hummingbird
import Logging
import DHCPServer
import DNSServer
import NFTablesKernel
import Netlink
import PatchbayAPI
import PatchbayEngine
import PatchbayModel
import PatchbayStore

/// `patchbayd`: owns the kernel state of every Patchbay network in its network namespace and
/// serves the API the CLI talks to.
@main
struct Patchbayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchbayd", abstract: "The Patchbay daemon.", version: PatchbayVersion.current)

    @Option(help: ArgumentHelp("Path of the API socket.", valueName: "path"))
    var socket = "/run/patchbay/patchbay.sock"

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Directory for the state database.", valueName: "dir"))
    var stateDirectory = "/var/lib/patchbay"

    @Option(name: .customLong("resolv-conf"),
            help: ArgumentHelp("Where the host's DNS servers are read, for names no network answers itself.", valueName: "path"))
    var resolvConf = "/etc/resolv.conf"

    @Option(name: .customLong("dhcp-max-leases-per-port"),
            help: ArgumentHelp("How many DHCP clients one bridge port or relay may hold addresses for (0: no limit).",
                               valueName: "n"))
    var dhcpMaxLeasesPerPort = DHCPServerManager.defaultMaxClientsPerPort

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

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown log level '\(logLevel)'") }
        guard (100...10_000).contains(loopProbeIntervalMilliseconds) else {
            throw ValidationError("--loop-probe-interval-ms must be from 100 to 10000, not \(loopProbeIntervalMilliseconds)")
        }
        guard LoopProtection(rawValue: loopProtection) != nil else {
            throw ValidationError("--loop-protection must be loop-guard or kernel-stp, not '\(loopProtection)'")
        }
        guard dhcpMaxLeasesPerPort >= 0 else {
            throw ValidationError("--dhcp-max-leases-per-port must be 0 or more, not \(dhcpMaxLeasesPerPort)")
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

    private func serve(logger: Logger) async throws {
        let files = DaemonFiles(stateDirectory: stateDirectory, socketPath: socket)
        try files.prepare()
        let lock = try files.lockStateDirectory()
        defer { lock.release() }
        try files.removeStaleSocket()

        let store = try SQLiteNetworkStore(path: files.databasePath)
        let session: NetlinkSession
        do { session = try NetlinkSession() } catch {
            throw PatchbayError(.kernel, "cannot open a netlink socket", cause: error.description)
        }
        let dhcp = DHCPServerManager(store: store, neighbors: session, logger: logger,
                                     now: { Int64(Date().timeIntervalSince1970) }, maxClientsPerPort: dhcpMaxLeasesPerPort)
        let dns = DNSServerManager(logger: logger, resolvConfPath: resolvConf)
        let services = DaemonNetworkServices(dhcp: dhcp, dns: dns, leases: store)
        let firewall: NFTablesFirewall
        do {
            firewall = try NFTablesFirewall(statePath: files.firewallStatePath, coexistence: !noFirewallCoexistence, logger: logger)
        } catch {
            throw PatchbayError(.kernel, "cannot open libnftables", cause: error.description)
        }
        let links = NetlinkLinkManager(session: session)
        let protection = LoopProtection(rawValue: loopProtection) ?? .loopGuard
        let engine = NetworkEngine(store: store, links: links, services: services, leases: store, firewall: firewall,
                                   portForwards: store, portDevices: links, ports: store, loopProtection: protection,
                                   logger: logger)
        // Bridges with stp='on' run without kernel STP; the loop guard keeps them loop-free. Its
        // socket opens before recovery switches any bridge's STP off, so a daemon that cannot
        // guard stops before it leaves a bridge unprotected.
        var loopGuard: LoopGuard?
        if protection == .loopGuard {
            loopGuard = LoopGuard(control: try KernelBridgePortControl(session: session),
                                  bridges: { await engine.loopGuardedBridges() },
                                  interval: .milliseconds(loopProbeIntervalMilliseconds), logger: logger)
        }
        for line in await engine.recover() { logger.info("start-up: \(line)") }
        let loopGuardTask = loopGuard.map { guardian in Task { await guardian.run() } }
        defer { loopGuardTask?.cancel() }

        // TAPs that QEMU opened through patchbay-bridge-helper vanish when QEMU closes them.
        let sweeper = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await engine.sweepVanishedPorts()
            }
        }
        defer { sweeper.cancel() }
        let app = PatchbayServer.application(engine: engine, socketPath: socket, logger: logger)
        defer { unlink(socket) }
        try await app.runService()
        await services.stopAll()
        firewall.flushState()
        logger.info("patchbayd stopped")
    }
}
