import Foundation
import Hummingbird
import Logging
import PatchbayEngine

/// The API served on a unix socket. `secure` gives the bound socket its mode and group (the
/// daemon binds it under umask 077, so it is never more open than 0600 before that); if it
/// cannot, the daemon stops rather than serve on a socket of the wrong mode.
public enum PatchbayServer {
    public static func application(engine: NetworkEngine, interfaces: (any InterfaceBridging)? = nil, dpdk: DPDKCheckSources? = nil,
                                   metrics: APIMetrics = APIMetrics(), capture: (any PacketCapturing)? = nil,
                                   bench: (any NetworkBenchmarking)? = nil, tuning: (any HostTuning)? = nil, socketPath: String,
                                   logger: Logger, secure: @escaping @Sendable () throws -> Void = {}) -> some ApplicationProtocol {
        Application(
            router: PatchbayRoutes.router(engine: engine, interfaces: interfaces, dpdk: dpdk, metrics: metrics, capture: capture,
                                          bench: bench, tuning: tuning),
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "patchbayd"),
            onServerRunning: { _ in
                do {
                    try secure()
                } catch {
                    logger.critical("the API socket cannot be secured; stopping", metadata: ["socket": "\(socketPath)", "error": "\(error)"])
                    kill(getpid(), SIGTERM)
                    return
                }
                logger.info("listening", metadata: ["socket": "\(socketPath)"])
            },
            logger: logger)
    }

    /// `--metrics-listen HOST:PORT`: `/metrics` alone, over TCP, for a Prometheus server that
    /// cannot reach the socket. Nothing else of the API is served there (in particular not
    /// `/v1/capture`: the socket's permissions are what guard it).
    public static func metricsApplication(engine: NetworkEngine, metrics: APIMetrics, host: String, port: Int,
                                          logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in await metrics.response(engine: engine) }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "patchbayd"),
                           onServerRunning: { _ in logger.info("serving metrics", metadata: ["address": "\(host):\(port)"]) },
                           logger: logger)
    }
}
