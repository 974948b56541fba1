import ArgumentParser

struct NetStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-start", abstract: "Start a defined, inactive network.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String

    func run() async throws {
        _ = try await connection.client.startNetwork(network)
        print("Network \(network) started\n")
    }
}
