import ArgumentParser

struct NetInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-info", abstract: "Show a network's basic information.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let info = try await connection.client.network(network)
        if json {
            print(try JSONOutput.render(info))
            return
        }
        print(virshField("Name:", info.name))
        print(virshField("UUID:", info.uuid))
        print(virshField("Active:", yesNo(info.active)))
        print(virshField("Persistent:", yesNo(info.persistent)))
        print(virshField("Autostart:", yesNo(info.autostart)))
        if let bridge = info.bridge ?? info.openvswitch?.bridge { print(virshField("Bridge:", bridge)) }
        if let ovs = info.openvswitch {
            print(virshField("Switch:", "Open vSwitch (" + (ovs.ownedByPatchbay ? "made by Patchbay" : "the host's") + ")"))
            print(virshField("Datapath:", ovs.datapathType.map { $0 == "netdev" ? "netdev (userspace)" : "\($0) (kernel)" } ?? "unknown (Open vSwitch not reachable)"))
        }
        print()
    }
}
