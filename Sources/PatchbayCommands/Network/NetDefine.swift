import ArgumentParser
import FoundationEssentials
import Glibc
import PatchbayModel

struct NetDefine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-define", abstract: "Define a persistent network from a libvirt network XML file.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "libvirt network XML file ('-' for standard input).") var file: String

    func run() async throws {
        let xml: String
        if file == "-" {
            xml = String(decoding: POSIXIO.readStandardInput(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw PatchbayError(.invalidArgument, "cannot read network XML file '\(file)'")
            }
            xml = String(decoding: data, as: UTF8.self)
        }
        let summary = try await connection.client.defineNetwork(xml: xml)
        print("Network \(summary.name) defined from \(file)\n")
    }
}
