import ArgumentParser
import PatchbayModel

struct DPDKCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpdk-check",
        abstract: "Check what OVS-DPDK and vhost-user ports need on this host, and say how to fix what is missing.",
        discussion: """
            Hugepages (reserved and mounted), DPDK's mempool driver, Open vSwitch (a DPDK build, \
            dpdk-init), the IOMMU, vfio-pci/uio drivers and which NICs are bound to which driver, \
            as patchbayd sees them. Exit status: 0 when everything vhost-user ports need is there \
            (warnings and what only physical DPDK ports need do not count), \
            \(CheckStatus.vhostUserMissing.code) when something they need is missing, 1 when \
            patchbayd cannot be asked.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print the report as JSON (checks, nics, vhostUserReady, physicalPortsReady).") var json = false

    func run() async throws {
        let report = try await connection.client.dpdkCheck()
        print(json ? try JSONOutput.render(report) : Self.text(report), terminator: json ? "\n" : "")
        if !report.vhostUserReady { throw CheckStatus.vhostUserMissing }
    }

    static func text(_ report: DPDKCheckReport) -> String {
        var checks = VirshTable("Check", "Status", "Needed for", "Found")
        for check in report.checks {
            checks.append(check.name, check.status.rawValue, check.neededFor.map(\.label).joined(separator: ", "), check.found)
        }
        var out = checks.render()
        let fixes = report.checks.filter { $0.status != .ok && $0.fix != nil }
        if !fixes.isEmpty {
            out += "Fixes:\n" + fixes.map { " \($0.name): \($0.fix!)\n" }.joined() + "\n"
        }
        if !report.nics.isEmpty {
            var nics = VirshTable("PCI address", "Vendor:Device", "Driver", "Interfaces", "DPDK")
            for nic in report.nics {
                nics.append(nic.address, "\(nic.vendor.dropFirst(2)):\(nic.device.dropFirst(2))", nic.driver ?? "-",
                            nic.interfaces.isEmpty ? "-" : nic.interfaces.joined(separator: ","), yesNo(nic.boundForDPDK))
            }
            out += nics.render()
        }
        out += virshField("vhost-user:", readiness(report, .vhostUser, report.vhostUserReady)) + "\n"
        out += virshField("physical ports:", readiness(report, .physicalPorts, report.physicalPortsReady)) + "\n"
        return out
    }

    static func readiness(_ report: DPDKCheckReport, _ use: DPDKUse, _ ready: Bool) -> String {
        if ready { return "ready" }
        let missing = report.checks.filter { $0.neededFor.contains(use) && $0.status == .missing }.map(\.name)
        return "missing " + missing.joined(separator: ", ")
    }
}

/// A check's outcome as the exit status (no message: the report said it), for scripts.
struct CheckStatus: Error {
    var code: Int32

    /// Something vhost-user ports need is missing.
    static let vhostUserMissing = CheckStatus(code: 3)
}
