import ArgumentParser
import PatchbayModel

struct NetFlows: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-flows",
        abstract: "Show an Open vSwitch network's OpenFlow flows and its ports' counters (as `ovs-ofctl dump-flows` and `dump-ports`).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Flag(help: "Print JSON: {network, bridge, flows: [{table, priority, match, actions, packets, bytes, cookie, durationSeconds}], ports: [{name, ofport, rxPackets, rxBytes, rxDropped, rxErrors, txPackets, txBytes, txDropped, txErrors}]}.")
    var json = false

    func run() async throws {
        let report = try await connection.client.flows(network)
        if json {
            print(try JSONOutput.render(report))
            return
        }
        print(Self.render(report), terminator: "")
    }

    static func render(_ report: OVSFlowReport) -> String {
        var flows = VirshTable("Table", "Priority", "Match", "Actions", "Packets", "Bytes")
        for flow in report.flows {
            flows.append(String(flow.table), String(flow.priority), flow.match.isEmpty ? "*" : flow.match, flow.actions,
                         String(flow.packets), String(flow.bytes))
        }
        var ports = VirshTable("Port", "OF port", "RX packets", "RX bytes", "RX drop", "TX packets", "TX bytes", "TX drop")
        for port in report.ports {
            ports.append(port.name, port.ofport.map(String.init) ?? "-", String(port.rxPackets), String(port.rxBytes), String(port.rxDropped),
                         String(port.txPackets), String(port.txBytes), String(port.txDropped))
        }
        return "Bridge \(report.bridge)\n\n" + flows.render() + "\n" + ports.render()
    }
}
