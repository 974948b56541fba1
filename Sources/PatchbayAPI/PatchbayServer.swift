import Foundation
import Hummingbird
import Logging
import PatchbayEngine

/// The API served on a unix socket. The socket file gets mode 0660 once it is bound, so only
/// root and the socket's group (the administrators') can drive the daemon, as with libvirt's
/// read-write socket.
public enum PatchbayServer {
    public static func application(engine: NetworkEngine, socketPath: String, logger: Logger) -> some ApplicationProtocol {
        Application(
            router: PatchbayRoutes.router(engine: engine),
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "patchbayd"),
            onServerRunning: { _ in
                if chmod(socketPath, 0o660) != 0 {
                    logger.error("cannot set mode 0660 on the API socket", metadata: ["socket": "\(socketPath)"])
                }
                logger.info("listening", metadata: ["socket": "\(socketPath)"])
            },
            logger: logger)
    }
}
