import ArgumentParser
import PatchbayModel

struct NetList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-list", abstract: "List networks (active ones unless --all or --inactive).")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "List inactive and active networks.") var all = false
    @Flag(help: "List inactive networks only.") var inactive = false
    @Flag(help: "List network names only.") var name = false
    @Flag(help: "List network UUIDs only.") var uuid = false
    @Flag(help: "Print JSON: an array of {name, uuid, active, persistent, autostart, bridge}.") var json = false

    func validate() throws {
        if all && inactive { throw ValidationError("--all and --inactive cannot be combined") }
        if json && (name || uuid) { throw ValidationError("--json cannot be combined with --name or --uuid") }
    }

    func run() async throws {
        let networks = try await connection.client.listNetworks().filter { network in
            all || (inactive ? !network.active : network.active)
        }
        if json {
            print(try JSONOutput.render(networks))
        } else if name || uuid {
            for network in networks {
                print([name ? network.name : nil, uuid ? network.uuid : nil].compactMap { $0 }.joined(separator: " "))
            }
            print()
        } else {
            var table = VirshTable("Name", "State", "Autostart", "Persistent")
            for network in networks {
                table.append(network.name, network.active ? "active" : "inactive", yesNo(network.autostart), yesNo(network.persistent))
            }
            print(table.render(), terminator: "")
        }
    }
}
