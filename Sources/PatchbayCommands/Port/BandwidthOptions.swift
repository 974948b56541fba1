import ArgumentParser
import PatchbayModel

/// `--inbound AVERAGE[,PEAK[,BURST[,FLOOR]]]` and `--outbound AVERAGE[,PEAK[,BURST]]`, as virsh's
/// domiftune and attach-interface take them: kilobytes per second, burst in kilobytes, empty
/// fields left out ("1000,,256").
struct BandwidthOptions: ParsableArguments {
    @Option(help: "Traffic to the guest: AVERAGE[,PEAK[,BURST[,FLOOR]]] (KB/s; burst in KB).") var inbound: String?
    @Option(help: "Traffic from the guest: AVERAGE[,PEAK[,BURST]] (KB/s; burst in KB).") var outbound: String?

    var isEmpty: Bool { inbound == nil && outbound == nil }

    func definition() throws -> BandwidthDefinition? {
        guard !isEmpty else { return nil }
        return BandwidthDefinition(inbound: try inbound.flatMap { try Self.rate($0, option: "--inbound", fields: 4) },
                                   outbound: try outbound.flatMap { try Self.rate($0, option: "--outbound", fields: 3) })
    }

    /// nil for "0" (virsh's way of clearing a direction).
    static func rate(_ text: String, option: String, fields: Int) throws -> BandwidthRate? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard (1...fields).contains(parts.count) else {
            throw PatchbayError(.invalidArgument, "\(option) takes \(fields == 4 ? "AVERAGE[,PEAK[,BURST[,FLOOR]]]" : "AVERAGE[,PEAK[,BURST]]"), not '\(text)'")
        }
        var values: [UInt64?] = []
        for (index, part) in parts.enumerated() {
            if part.isEmpty { values.append(nil); continue }
            guard let value = UInt64(part) else {
                let name = ["average", "peak", "burst", "floor"][index]
                throw PatchbayError(.invalidArgument, "\(option): the \(name) '\(part)' is not a whole number of kilobytes\(index == 2 ? "" : " per second")")
            }
            values.append(value)
        }
        while values.count < 4 { values.append(nil) }
        if values[0] == 0 && values.dropFirst().allSatisfy({ $0 == nil }) { return nil }
        return BandwidthRate(average: values[0], peak: values[1], burst: values[2], floor: values[3])
    }
}

/// `net-port-set-bandwidth`: a live port's rates changed in place (libvirt's
/// virNetworkPortSetParameters; virsh reaches it through domiftune).
struct NetPortSetBandwidth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-port-set-bandwidth",
        abstract: "Change a live port's bandwidth without interrupting it.",
        discussion: "A direction not given is cleared; '0' clears it explicitly; --clear removes all shaping.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Argument(help: "Port UUID.") var port: String
    @OptionGroup var bandwidth: BandwidthOptions
    @Flag(help: "Remove the port's bandwidth entirely.") var clear = false
    @Flag(help: "Print the port as JSON.") var json = false

    func run() async throws {
        guard clear != !bandwidth.isEmpty else { throw PatchbayError(.invalidArgument, "give --inbound and/or --outbound, or --clear") }
        guard let uuid = NetworkUUID(port) else { throw PatchbayError(.invalidArgument, "'\(port)' is not a port UUID") }
        let updated = try await connection.client.setPortBandwidth(network, port: uuid.description, clear ? nil : try bandwidth.definition())
        if json {
            print(try JSONOutput.render(updated))
        } else {
            print("Port \(updated.uuid) bandwidth \(clear ? "cleared" : "set")\n")
        }
    }
}
