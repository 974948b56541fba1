import ArgumentParser
import PatchbayModel

struct DomIfList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "domiflist", abstract: "List the interfaces (ports) of an owner.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Owner name.") var owner: String
    @Flag(help: "Print JSON: an array of {interface, type, source, model, mac}.") var json = false

    func run() async throws {
        let interfaces = try await connection.client.interfaces(owner: owner)
        if json {
            print(try JSONOutput.render(interfaces))
            return
        }
        var table = VirshTable("Interface", "Type", "Source", "Model", "MAC")
        for row in interfaces { table.append(row.interface, row.type, row.source, row.model, row.mac) }
        print(table.render(), terminator: "")
    }
}
