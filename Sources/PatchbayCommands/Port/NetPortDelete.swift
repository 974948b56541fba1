import ArgumentParser

struct NetPortDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-port-delete", abstract: "Delete a port and its device.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Argument(help: "Port UUID.") var port: String

    func run() async throws {
        try await connection.client.deletePort(network, uuid: port)
        print("Network port \(port) deleted\n")
    }
}
