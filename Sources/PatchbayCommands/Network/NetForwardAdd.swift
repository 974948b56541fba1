import ArgumentParser
import PatchbayModel

struct NetForwardAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-forward-add",
        abstract: "Forward host ports to a guest of a nat network.",
        discussion: """
            Connections to any of the host's addresses on the host ports go to the guest, from outside \
            hosts and from guests of the same network alike. Stored with the network; applied while it runs.
            Example: patchbay net-forward-add default --proto tcp --host-port 8080 --to 192.168.122.10:80
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Option(help: "tcp or udp.") var proto: String
    @Option(name: .customLong("host-port"), help: ArgumentHelp("A host port, or a range FIRST-LAST.", valueName: "P[-Q]"))
    var hostPort: String
    @Option(help: ArgumentHelp("The guest's address, and optionally its port (for a range, the guest keeps each port unless one is given).",
                               valueName: "IP[:PORT]"))
    var to: String

    func validate() throws {
        _ = try parsed()
    }

    /// The forward the options describe, or a usage error naming the option that is wrong.
    func parsed() throws -> PortForward {
        guard let transport = PortForward.TransportProtocol(rawValue: proto.lowercased()) else {
            throw ValidationError("--proto must be tcp or udp, not '\(proto)'")
        }
        let ports = hostPort.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(ports.count), let first = UInt16(ports[0]), let last = ports.count == 2 ? UInt16(ports[1]) : first,
              first > 0, first <= last else {
            throw ValidationError("--host-port must be a port from 1 to 65535 or a range FIRST-LAST, not '\(hostPort)'")
        }
        let parts = to.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPv4Address(parts[0]) else {
            throw ValidationError("--to must be an IPv4 address with an optional :PORT, not '\(to)'")
        }
        var guestPort: UInt16?
        if parts.count == 2 {
            guard let port = UInt16(parts[1]), port > 0 else { throw ValidationError("the port in --to '\(to)' must be from 1 to 65535") }
            guestPort = port
        }
        return PortForward(network: network, transport: transport, hostPortStart: first, hostPortEnd: last,
                           guestAddress: address, guestPort: guestPort)
    }

    func run() async throws {
        let forward = try await connection.client.addPortForward(try parsed())
        print("Port forward \(forward) added to network \(network)\n")
    }
}
