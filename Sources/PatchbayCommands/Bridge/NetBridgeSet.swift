import ArgumentParser
import PatchbayModel

struct NetBridgeSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-bridge-set",
        abstract: "Set the STP priority and timers and the MAC ageing time of a network's bridge.",
        discussion: """
            For networks whose bridge Patchbay makes (nat, route, open, isolated). The values are
            stored and written to the bridge at once and at every start. The STP values (priority,
            hello time, max age) act only while the kernel runs STP (patchbayd --loop-protection
            kernel-stp); under Patchbay's loop guard they are kept and read back, and act once
            kernel STP runs. The forward delay is the XML's <bridge delay>.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Option(help: "Bridge priority, 0-65535 (lower wins the root election).") var priority: Int?
    @Option(name: .customLong("hello-time"), help: "Hello time in seconds, 1-10.") var helloTime: Int?
    @Option(name: .customLong("max-age"), help: "Max age in seconds, 6-40.") var maxAge: Int?
    @Option(name: .customLong("ageing-time"), help: "MAC ageing time in seconds (0: never).") var ageingTime: Int?
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        guard priority != nil || helloTime != nil || maxAge != nil || ageingTime != nil else {
            throw ValidationError("give at least one of --priority, --hello-time, --max-age, --ageing-time")
        }
    }

    func run() async throws {
        let controls = BridgeControls(priority: priority, helloTimeSeconds: helloTime, maxAgeSeconds: maxAge, ageingTimeSeconds: ageingTime)
        let info = try await connection.client.setBridgeControls(network, controls)
        if json { print(try JSONOutput.render(info)) } else { print(NetBridgeInfo.text(info)) }
    }
}

struct NetBridgeInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "net-bridge-info",
                                                    abstract: "Show the bridge controls of a network: stored and in the kernel.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let info = try await connection.client.bridgeControls(network)
        if json { print(try JSONOutput.render(info)) } else { print(Self.text(info)) }
    }

    static func text(_ info: BridgeControlsInfo) -> String {
        func value(_ stored: Int?, _ kernel: Int?, _ unit: String) -> String {
            let now = kernel.map { "\($0)\(unit)" } ?? "-"
            return stored.map { "\(now) (set to \($0)\(unit))" } ?? now
        }
        var lines = [
            "Bridge:         \(info.bridge)",
            "Kernel STP:     \(info.kernelSTP.map { $0 ? "on" : "off" } ?? "-")",
            "Priority:       \(value(info.stored.priority, info.kernel?.priority, ""))",
            "Hello time:     \(value(info.stored.helloTimeSeconds, info.kernel?.helloTimeSeconds, " s"))",
            "Max age:        \(value(info.stored.maxAgeSeconds, info.kernel?.maxAgeSeconds, " s"))",
            "Forward delay:  \(info.forwardDelaySeconds.map { "\($0) s" } ?? "-")",
            "Ageing time:    \(value(info.stored.ageingTimeSeconds, info.kernel?.ageingTimeSeconds, " s"))",
        ]
        if let note = info.note { lines.append("Note:           \(note)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
