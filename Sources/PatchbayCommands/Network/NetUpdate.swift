import ArgumentParser
import FoundationEssentials
import Glibc
import PatchbayModel

struct NetUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-update",
        abstract: "Change one section of a network's definition, as virsh net-update does.",
        discussion: """
            COMMAND: add (= add-last), add-first, add-last, delete, modify.
            SECTION: ip-dhcp-host, ip-dhcp-range, forward-interface, portgroup, dns-host, dns-txt, dns-srv.
            XML: the element itself (text starting with '<') or a file that holds it.
            Without --live or --config the running definition is changed if the network is active, else the persistent one.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Argument(help: "add, add-first, add-last, delete or modify.") var command: String
    @Argument(help: "The section to change.") var section: String
    @Argument(help: "The element, or a file holding it.") var xml: String
    @Option(name: .customLong("parent-index"), help: "Which <ip> (from 0) for the ip-dhcp-* sections.") var parentIndex: Int?
    @Flag(help: "Change the running network.") var live = false
    @Flag(help: "Change the persistent definition.") var config = false
    @Flag(help: "Change the running network if it is active, else the persistent definition.") var current = false

    func validate() throws {
        if NetworkUpdateRequest.Command(rawValue: command) == nil {
            throw ValidationError("unknown command '\(command)'; expected one of \(NetworkUpdateRequest.Command.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if NetworkUpdateRequest.Section(rawValue: section) == nil {
            throw ValidationError("unknown section '\(section)'; expected one of \(NetworkUpdateRequest.Section.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if current && (live || config) { throw ValidationError("--current cannot be combined with --live or --config") }
        if let parentIndex, parentIndex < 0 { throw ValidationError("--parent-index must be 0 or more") }
    }

    func run() async throws {
        let element: String
        if xml.drop(while: \.isWhitespace).hasPrefix("<") {
            element = xml
        } else {
            guard let data = FileManager.default.contents(atPath: xml) else {
                throw PatchbayError(.invalidArgument, "cannot read XML file '\(xml)'")
            }
            element = String(decoding: data, as: UTF8.self)
        }
        let scope: NetworkUpdateRequest.Scope = live && config ? .liveAndConfig : live ? .live : config ? .config : .current
        let request = NetworkUpdateRequest(command: NetworkUpdateRequest.Command(rawValue: command)!,
                                           section: NetworkUpdateRequest.Section(rawValue: section)!,
                                           xml: element, parentIndex: parentIndex, scope: scope)
        let result = try await connection.client.updateNetwork(network, request)
        switch (result.live, result.config) {
        case (true, true): print("Updated network \(network) persistent config and live state\n")
        case (true, false): print("Updated network \(network) live state\n")
        default: print("Updated network \(network) persistent config\n")
        }
    }
}
