import ArgumentParser
import PatchbayModel

struct NetPortSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-port-set",
        abstract: "Set a port's bridge flags: isolation, MAC learning, STP priority and path cost.",
        discussion: """
            PORT is the port's UUID or its device (vnetN). An isolated port reaches only ports that
            are not isolated (the uplink, the host), never another isolated one; a network with
            <port isolated='yes'/> isolates every guest port unless the port says otherwise.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Argument(help: "Port UUID or device.") var port: String
    @Option(help: "on or off.") var isolated: String?
    @Option(help: "on or off.") var learning: String?
    @Option(help: "STP port priority, 0-63.") var priority: Int?
    @Option(help: "STP path cost, 1-65535.") var cost: Int?
    @Flag(help: "Print the port as JSON.") var json = false

    static func flag(_ value: String?, _ name: String) throws -> Bool? {
        switch value {
        case nil: return nil
        case "on", "yes": return true
        case "off", "no": return false
        case let other?: throw ValidationError("--\(name) must be on or off, not '\(other)'")
        }
    }

    func validate() throws {
        _ = try Self.flag(isolated, "isolated")
        _ = try Self.flag(learning, "learning")
        guard isolated != nil || learning != nil || priority != nil || cost != nil else {
            throw ValidationError("give at least one of --isolated, --learning, --priority, --cost")
        }
    }

    func run() async throws {
        let controls = PortBridgeControls(isolated: try Self.flag(isolated, "isolated"), learning: try Self.flag(learning, "learning"),
                                          priority: priority, cost: cost)
        let updated = try await connection.client.setPortBridgeControls(network, port: port, controls)
        if json { print(try JSONOutput.render(updated)) } else { print("Port \(updated.uuid) (\(updated.device)) updated\n") }
    }
}
