import ArgumentParser

struct NetDestroy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-destroy", abstract: "Stop an active network.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String

    func run() async throws {
        _ = try await connection.client.destroyNetwork(network)
        print("Network \(network) destroyed\n")
    }
}
