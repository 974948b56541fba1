import ArgumentParser

struct NetAutostart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-autostart", abstract: "Start a network when patchbayd starts (or stop doing so with --disable).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Flag(help: "Disable autostarting.") var disable = false

    func run() async throws {
        _ = try await connection.client.setAutostart(network, !disable)
        print(disable ? "Network \(network) unmarked as autostarted\n" : "Network \(network) marked as autostarted\n")
    }
}
