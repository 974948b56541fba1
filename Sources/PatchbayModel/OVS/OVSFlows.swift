/// One OpenFlow flow of an OVS bridge, as `ovs-ofctl dump-flows` reports it.
public struct OVSFlow: Sendable, Hashable, Codable {
    public var table: Int
    public var priority: Int
    /// The match, as ovs-ofctl writes it ("in_port=1,dl_vlan=100"; empty matches everything).
    public var match: String
    public var actions: String
    public var packets: Int
    public var bytes: Int
    public var cookie: String
    public var durationSeconds: Double?

    public init(table: Int = 0, priority: Int = 32768, match: String = "", actions: String, packets: Int = 0, bytes: Int = 0,
                cookie: String = "0x0", durationSeconds: Double? = nil) {
        self.table = table
        self.priority = priority
        self.match = match
        self.actions = actions
        self.packets = packets
        self.bytes = bytes
        self.cookie = cookie
        self.durationSeconds = durationSeconds
    }
}

/// A port's counters, from its Interface row's `statistics` (what `ovs-ofctl dump-ports` shows).
public struct OVSPortCounters: Sendable, Hashable, Codable {
    public var name: String
    public var ofport: Int?
    public var rxPackets: Int
    public var rxBytes: Int
    public var rxDropped: Int
    public var rxErrors: Int
    public var txPackets: Int
    public var txBytes: Int
    public var txDropped: Int
    public var txErrors: Int

    public init(_ port: OVSPortState) {
        name = port.name
        ofport = port.ofport
        let s = port.statistics
        rxPackets = s["rx_packets"] ?? 0
        rxBytes = s["rx_bytes"] ?? 0
        rxDropped = s["rx_dropped"] ?? 0
        rxErrors = s["rx_errors"] ?? 0
        txPackets = s["tx_packets"] ?? 0
        txBytes = s["tx_bytes"] ?? 0
        txDropped = s["tx_dropped"] ?? 0
        txErrors = s["tx_errors"] ?? 0
    }
}

/// `net-flows`: an OVS network's OpenFlow flows and its ports' counters.
public struct OVSFlowReport: Sendable, Hashable, Codable {
    public var network: String
    public var bridge: String
    public var flows: [OVSFlow]
    public var ports: [OVSPortCounters]

    public init(network: String, bridge: String, flows: [OVSFlow], ports: [OVSPortCounters]) {
        self.network = network
        self.bridge = bridge
        self.flows = flows
        self.ports = ports
    }
}

/// Reads `ovs-ofctl dump-flows` output. Each flow is one line: statistics as ", "-separated
/// `key=value` fields, then the match (its fields separated by "," only, priority among them),
/// then " actions=...". Lines that are not flows (the "NXST_FLOW reply" header of OpenFlow 1.0,
/// blank lines) are skipped, as are lines without actions.
public enum OVSFlowParser {
    static let statistics: Set<String> = ["cookie", "duration", "table", "n_packets", "n_bytes", "idle_age", "hard_age",
                                          "idle_timeout", "hard_timeout", "importance", "send_flow_rem", "reset_counts",
                                          "no_packet_counts", "no_byte_counts", "check_overlap"]

    public static func parse(_ text: String) -> [OVSFlow] {
        var flows: [OVSFlow] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.drop { $0 == " " }
            let head: Substring, actions: Substring
            if let range = line.firstRange(of: " actions=") {
                head = line[..<range.lowerBound]
                actions = line[range.upperBound...]
            } else if line.hasPrefix("actions=") {
                head = ""
                actions = line.dropFirst("actions=".count)
            } else {
                continue
            }
            var flow = OVSFlow(actions: String(actions))
            var match: [Substring] = []
            for field in head.split(separator: ",", omittingEmptySubsequences: true) {
                let part = field.drop { $0 == " " }
                let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(pair[0])
                let value = pair.count > 1 ? String(pair[1]) : ""
                switch key {
                case "cookie": flow.cookie = value
                case "duration": flow.durationSeconds = Double(value.hasSuffix("s") ? String(value.dropLast()) : value)
                case "table": flow.table = Int(value) ?? flow.table
                case "n_packets": flow.packets = Int(value) ?? 0
                case "n_bytes": flow.bytes = Int(value) ?? 0
                case "priority": flow.priority = Int(value) ?? flow.priority
                case _ where statistics.contains(key): continue
                default: match.append(part)
                }
            }
            flow.match = match.joined(separator: ",")
            flows.append(flow)
        }
        return flows
    }
}
