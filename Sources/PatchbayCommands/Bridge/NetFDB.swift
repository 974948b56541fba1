import ArgumentParser
import PatchbayModel

struct NetFDB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-fdb",
        abstract: "List a network bridge's forwarding database, with Patchbay's ports and owners (as `bridge fdb show br BR`).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Flag(help: "Print JSON: an array of {mac, vlan, device, portUUID, owner, state, master, updatedSeconds, usedSeconds}.") var json = false

    func run() async throws {
        let entries = try await connection.client.forwardingDatabase(network)
        if json {
            print(try JSONOutput.render(entries))
            return
        }
        print(Self.table(entries), terminator: "")
    }

    static func table(_ entries: [FDBEntryInfo]) -> String {
        var table = VirshTable("MAC", "VLAN", "Port", "Owner", "State", "Age")
        for entry in entries {
            table.append(entry.mac.description, entry.vlan.map(String.init) ?? "-", entry.device, entry.owner ?? "-", entry.state,
                         entry.updatedSeconds.map { "\($0) s" } ?? "-")
        }
        return table.render()
    }
}

/// What net-fdb-add and net-fdb-delete take.
struct FDBEntryOptions: ParsableArguments {
    @Argument(help: "Network name.") var network: String
    @Argument(help: "MAC address.") var mac: String
    @Argument(help: "The port (UUID or device) the entry points at.") var port: String
    @Option(help: "VLAN id.") var vlan: Int?

    func request() throws -> FDBEntryRequest {
        guard let parsed = MACAddress(mac) else { throw ValidationError("'\(mac)' is not a MAC address") }
        return FDBEntryRequest(mac: parsed, port: port, vlan: vlan)
    }
}

struct NetFDBAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-fdb-add",
                                                    abstract: "Add a static forwarding entry (`bridge fdb add MAC dev PORT master static`).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var entry: FDBEntryOptions

    func validate() throws { _ = try entry.request() }

    func run() async throws {
        _ = try await connection.client.addFDBEntry(entry.network, try entry.request())
        print("Static entry \(entry.mac) on \(entry.port) added\n")
    }
}

struct NetFDBDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-fdb-delete",
                                                    abstract: "Delete a forwarding entry (`bridge fdb del MAC dev PORT master`).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var entry: FDBEntryOptions

    func validate() throws { _ = try entry.request() }

    func run() async throws {
        _ = try await connection.client.deleteFDBEntry(entry.network, try entry.request())
        print("Entry \(entry.mac) on \(entry.port) deleted\n")
    }
}
