import ArgumentParser

struct NetUndefine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-undefine", abstract: "Undefine a persistent network (a running one stays up until destroyed).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String

    func run() async throws {
        try await connection.client.undefineNetwork(network)
        print("Network \(network) has been undefined\n")
    }
}
