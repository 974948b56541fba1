import ArgumentParser
import FoundationEssentials
import Glibc
import PatchbayClient

/// How every command finds the daemon: `--socket`, else $PATCHBAY_SOCKET, else the default path.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Path of patchbayd's API socket (default: $PATCHBAY_SOCKET or \(PatchbayClient.defaultSocketPath)).",
                                            valueName: "path"))
    var socket: String?

    var client: PatchbayClient {
        PatchbayClient(socketPath: socket ?? ProcessInfo.processInfo.environment["PATCHBAY_SOCKET"] ?? PatchbayClient.defaultSocketPath)
    }
}
