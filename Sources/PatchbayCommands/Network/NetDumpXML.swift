import ArgumentParser

struct NetDumpXML: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-dumpxml", abstract: "Print a network's libvirt XML.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Flag(help: "Print the persistent definition, not the running one.") var inactive = false

    func run() async throws {
        print(try await connection.client.networkXML(network, inactive: inactive), terminator: "")
    }
}
