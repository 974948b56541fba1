import ArgumentParser
import PatchbayModel

struct DomIfStat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domifstat", abstract: "Counters of an owner's interface, from the guest's side as virsh reports them.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Owner name.") var owner: String
    @Argument(help: "Interface: the host device (vnetN) or the MAC address.") var interface: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let stats = try await connection.client.interfaceStatistics(owner: owner, interface: interface)
        if json {
            print(try JSONOutput.render(stats))
            return
        }
        let rows: [(String, UInt64)] = [
            ("rx_bytes", stats.rxBytes), ("rx_packets", stats.rxPackets), ("rx_errs", stats.rxErrs), ("rx_drop", stats.rxDrop),
            ("tx_bytes", stats.txBytes), ("tx_packets", stats.txPackets), ("tx_errs", stats.txErrs), ("tx_drop", stats.txDrop),
        ]
        for (name, value) in rows { print("\(stats.interface) \(name) \(value)") }
        print()
    }
}
