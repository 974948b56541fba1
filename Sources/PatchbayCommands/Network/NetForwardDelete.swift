import ArgumentParser
import PatchbayModel

struct NetForwardDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-forward-delete", abstract: "Remove a port forward.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Option(help: "tcp or udp.") var proto: String
    @Option(name: .customLong("host-port"), help: ArgumentHelp("The forward's (first) host port.", valueName: "P"))
    var hostPort: UInt16

    func validate() throws {
        guard PortForward.TransportProtocol(rawValue: proto.lowercased()) != nil else {
            throw ValidationError("--proto must be tcp or udp, not '\(proto)'")
        }
    }

    func run() async throws {
        let transport = PortForward.TransportProtocol(rawValue: proto.lowercased()) ?? .tcp
        let forward = try await connection.client.deletePortForward(network, transport: transport, hostPort: hostPort)
        print("Port forward \(forward) deleted from network \(network)\n")
    }
}
