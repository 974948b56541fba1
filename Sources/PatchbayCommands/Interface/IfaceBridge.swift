import ArgumentParser
import PatchbayModel

/// virsh's `iface-bridge`: the NIC's addresses, routes and MAC move to a new bridge without
/// cutting the host off (see the README's "Host bridges").
struct IfaceBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iface-bridge",
        abstract: "Create a bridge for a host NIC and move the NIC's addresses, routes and MAC to it.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The host NIC, e.g. eno1.") var nic: String
    @Argument(help: "The bridge to create, e.g. br0.") var bridge: String
    @Flag(name: .customLong("no-stp"), help: "Leave STP off on the bridge (virsh's default is on).") var noSTP = false
    @Option(help: "Forward delay in seconds, 0-30 (the kernel uses at least 2 while STP is on).") var delay = 0
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (0...30).contains(delay) else { throw ValidationError("--delay must be 0-30 seconds, not \(delay)") }
    }

    func run() async throws {
        let result = try await connection.client.bridgeInterface(InterfaceBridgeRequest(nic: nic, bridge: bridge, stp: !noSTP, delay: delay))
        if json {
            print(try JSONOutput.render(result))
        } else {
            print("Created bridge \(result.bridge) with attached device \(result.nic)")
        }
    }
}
