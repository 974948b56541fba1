import ArgumentParser
import FoundationEssentials
import Glibc
import PatchbayModel

struct NetDHCPLeases: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-dhcp-leases", abstract: "List the DHCP leases of an active network.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Argument(help: "Only the leases of this MAC address.") var mac: String?
    @Flag(help: "Print JSON: an array of {expiryTime, mac, protocol, ipAddress, prefix, hostname, clientID}.") var json = false

    func validate() throws {
        if let mac, MACAddress(mac) == nil { throw ValidationError("'\(mac)' is not a MAC address") }
    }

    func run() async throws {
        let leases = try await connection.client.dhcpLeases(network, mac: mac)
        if json {
            print(try JSONOutput.render(leases))
            return
        }
        // virsh's columns; the expiry in local time as "YYYY-MM-DD HH:MM:SS".
        var table = VirshTable("Expiry Time", "MAC address", "Protocol", "IP address", "Hostname", "Client ID or DUID")
        for lease in leases {
            let expiry = lease.expiryTime.map { POSIXIO.localTime(Int64($0)) } ?? "never"
            table.append(expiry, lease.mac, lease.protocolName, "\(lease.ipAddress)/\(lease.prefix)", lease.hostname ?? "-", lease.clientID ?? "-")
        }
        print(table.render(), terminator: "")
    }
}
