import ArgumentParser

struct NetPortDumpXML: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-port-dumpxml", abstract: "Print a port as libvirt's <networkport> XML.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Argument(help: "Port UUID.") var port: String

    func run() async throws {
        print(try await connection.client.portXML(network, uuid: port), terminator: "")
    }
}
