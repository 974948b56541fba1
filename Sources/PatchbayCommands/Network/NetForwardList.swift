import ArgumentParser
import PatchbayModel

struct NetForwardList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-forward-list", abstract: "List the port forwards of a network.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Flag(help: "Print JSON: an array of {network, transport, hostPortStart, hostPortEnd, guestAddress, guestPort}.") var json = false

    func run() async throws {
        let forwards = try await connection.client.portForwards(network)
        if json {
            print(try JSONOutput.render(forwards))
            return
        }
        var table = VirshTable("Protocol", "Host port", "Destination")
        for forward in forwards { table.append(forward.transport.rawValue, forward.hostPorts, forward.destination) }
        print(table.render(), terminator: "")
    }
}
