import ArgumentParser
import PatchbayModel

/// virsh's `iface-unbridge`: the reverse of `iface-bridge`, only for a bridge it made.
struct IfaceUnbridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iface-unbridge",
        abstract: "Give a bridge made by iface-bridge back to its NIC and delete the bridge.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The bridge made by iface-bridge.") var bridge: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let result = try await connection.client.unbridgeInterface(bridge)
        if json {
            print(try JSONOutput.render(result))
        } else {
            print("Device \(result.nic) un-attached from bridge \(result.bridge)")
        }
    }
}
