import ArgumentParser
import PatchbayModel

struct NetPortList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-port-list", abstract: "List the ports of a network.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Flag(help: "Print JSON: an array of ports.") var json = false

    func run() async throws {
        let ports = try await connection.client.ports(network)
        if json {
            print(try JSONOutput.render(ports))
            return
        }
        // virsh prints the UUID only; the device, owner and MAC say which port is which.
        // State is the bridge port's: a port the loop guard cut shows "disabled".
        var table = VirshTable("UUID", "Device", "Owner", "MAC", "Role", "State")
        for port in ports {
            table.append(port.uuid.description, port.device, port.ownerName, port.mac.description, port.role.rawValue,
                         port.state?.rawValue ?? "-")
        }
        print(table.render(), terminator: "")
    }
}
