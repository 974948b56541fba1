import ArgumentParser
import PatchbayModel

/// `patchbay doctor`: the seed's troubleshooting table run as checks, every one printed with
/// what it looked at and found, and for each problem the likely cause and the fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the host and the networks for what breaks guests' traffic, and say how to fix it.",
        discussion: """
            IP forwarding, the upstream, other programs' forward chains, bridge-nf-call-iptables, \
            the upstream resolvers, whether DHCP answers a real DISCOVER, the DHCP pool, MTUs, \
            port carrier and bridge port state (STP, the loop guard), guests without a lease, MAC \
            addresses moving between ports, duplicate addresses (an ARP sweep), VLANs no port \
            carries. Exit status: 0 when nothing is wrong, 3 when something is, 4 when there are \
            only warnings, 1 when patchbayd cannot be asked.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Only this network (the host's own checks still run).") var network: String?
    @Flag(help: "Print the report as JSON: {checks: [{id, network, status, checked, found, cause, fix}]}.") var json = false
    @Flag(help: "Print only what is wrong.") var problems = false

    func run() async throws {
        let report = try await connection.client.doctor(network: network)
        if json {
            print(try JSONOutput.render(report))
        } else {
            print(Self.text(report, onlyProblems: problems), terminator: "")
        }
        if report.exitCode != 0 { throw CheckStatus(code: report.exitCode) }
    }

    static func text(_ report: DoctorReport, onlyProblems: Bool) -> String {
        var out = ""
        for check in report.checks where !onlyProblems || check.status >= .warning {
            let mark: String
            switch check.status {
            case .ok: mark = "ok"
            case .skipped: mark = "skip"
            case .warning: mark = "WARN"
            case .error: mark = "FAIL"
            }
            let scope = check.network.map { " [\($0)]" } ?? ""
            out += mark + String(repeating: " ", count: 6 - mark.count) + "\(check.id)\(scope): \(check.checked)\n"
            out += "      found: \(check.found)\n"
            if check.status >= .warning {
                if let cause = check.cause { out += "      cause: \(cause)\n" }
                if let fix = check.fix { out += "      fix:   \(fix)\n" }
            }
        }
        let errors = report.checks.filter { $0.status == .error }.count
        let warnings = report.checks.filter { $0.status == .warning }.count
        out += errors + warnings == 0 ? "\nNo problems found (\(report.checks.count) checks).\n"
            : "\n\(errors) problem(s), \(warnings) warning(s) in \(report.checks.count) checks.\n"
        return out
    }
}
