import ArgumentParser
import FoundationEssentials
import Glibc
import PatchbayModel

/// The XML of a file argument, or of standard input for '-'.
func readXMLArgument(_ file: String, what: String) throws -> String {
    if file == "-" { return String(decoding: POSIXIO.readStandardInput(), as: UTF8.self) }
    guard let data = FileManager.default.contents(atPath: file) else {
        throw PatchbayError(.invalidArgument, "cannot read \(what) XML file '\(file)'")
    }
    return String(decoding: data, as: UTF8.self)
}

struct NWFilterDefine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nwfilter-define",
        abstract: "Define a network filter, or a new version of one, from a libvirt <filter> XML file; ports using it get its new rules at once.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "libvirt nwfilter XML file ('-' for standard input).") var file: String

    func run() async throws {
        let summary = try await connection.client.defineNWFilter(xml: try readXMLArgument(file, what: "network filter"))
        print("Network filter \(summary.name) defined from \(file)\n")
    }
}

struct NWFilterUndefine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nwfilter-undefine", abstract: "Undefine a network filter (refused while it is in use).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Filter name.") var filter: String

    func run() async throws {
        try await connection.client.undefineNWFilter(filter)
        print("Network filter \(filter) undefined\n")
    }
}

struct NWFilterList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nwfilter-list", abstract: "List network filters.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON: an array of {name, uuid, origin, bindings}.") var json = false

    func run() async throws {
        let filters = try await connection.client.listNWFilters()
        if json {
            print(try JSONOutput.render(filters))
            return
        }
        // virsh's layout: UUID, then name.
        var table = VirshTable("UUID", "Name")
        for filter in filters { table.append(filter.uuid.description, filter.name) }
        print(table.render(), terminator: "")
    }
}

struct NWFilterDumpXML: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nwfilter-dumpxml", abstract: "Print a network filter's XML.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Filter name.") var filter: String

    func run() async throws {
        print(try await connection.client.nwfilterXML(filter), terminator: "")
    }
}

/// `nwfilter-edit`: the filter in $VISUAL or $EDITOR, defined again on save (net-edit's rules:
/// an edit that does not validate changes nothing, and the edited copy is kept).
struct NWFilterEdit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nwfilter-edit", abstract: "Edit a network filter in $VISUAL or $EDITOR (default vi).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Filter name.") var filter: String

    func run() async throws {
        let client = connection.client
        guard let edit = try NetEdit.edit(try await client.nwfilterXML(filter), fileName: filter, subject: "filter \(filter)") else {
            print("Network filter \(filter) XML configuration not changed.\n")
            return
        }
        do {
            _ = try await client.defineNWFilter(xml: edit.text)
            edit.discard()
            print("Network filter \(filter) XML configuration edited.\n")
        } catch {
            throw PatchbayError(error.code, "\(error.message); filter \(filter) keeps its previous definition (your edited copy: \(edit.file.path))",
                                cause: error.cause)
        }
    }
}

struct NWFilterBindingCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nwfilter-binding-create", abstract: "Bind a network filter to a port device from a libvirt <filterbinding> XML file.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "libvirt filterbinding XML file ('-' for standard input).") var file: String

    func run() async throws {
        let binding = try await connection.client.createNWFilterBinding(xml: try readXMLArgument(file, what: "filter binding"))
        print("Network filter binding on \(binding.portDevice) created from \(file)\n")
    }
}

struct NWFilterBindingDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nwfilter-binding-delete", abstract: "Remove the network filter of a port device.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Port device.") var device: String

    func run() async throws {
        try await connection.client.deleteNWFilterBinding(device)
        print("Network filter binding on \(device) deleted\n")
    }
}

struct NWFilterBindingList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nwfilter-binding-list", abstract: "List network filter bindings.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON: an array of {portDevice, filter, owner, mac, state, rules, reason}.") var json = false

    func run() async throws {
        let bindings = try await connection.client.listNWFilterBindings()
        if json {
            print(try JSONOutput.render(bindings))
            return
        }
        // virsh's two columns, then what Patchbay adds.
        var table = VirshTable("Port Dev", "Filter", "State", "Rules")
        for binding in bindings { table.append(binding.portDevice, binding.filter, binding.state.rawValue, String(binding.rules)) }
        print(table.render(), terminator: "")
    }
}

struct NWFilterBindingDumpXML: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nwfilter-binding-dumpxml", abstract: "Print a filter binding's XML.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Port device.") var device: String

    func run() async throws {
        print(try await connection.client.nwfilterBindingXML(device), terminator: "")
    }
}

struct NWFilterBindingStats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nwfilter-binding-stats", abstract: "Show how often each rule of a port's filter matched.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Port device.") var device: String
    @Flag(help: "Print JSON: an array of {chain, rule, packets, bytes}.") var json = false

    func run() async throws {
        let counters = try await connection.client.nwfilterBindingStatistics(device)
        if json {
            print(try JSONOutput.render(counters))
            return
        }
        var table = VirshTable("Chain", "Rule", "Packets", "Bytes")
        for counter in counters { table.append(counter.chain, counter.rule, String(counter.packets), String(counter.bytes)) }
        print(table.render(), terminator: "")
    }
}
