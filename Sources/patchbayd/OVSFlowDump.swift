import Foundation
import PatchbayEngine
import PatchbayIO
import PatchbayModel

/// `ovs-ofctl dump-flows BRIDGE`, for `net-flows`. OpenFlow is a protocol of its own (binary,
/// versioned, per bridge over the `BRIDGE.mgmt` socket in ovs-vswitchd's run directory);
/// Patchbay programs no flows (OVS's NORMAL action is its switch), so this one read-only view
/// runs OVS's own tool instead of a second protocol client (DESIGN.md, "Open vSwitch").
struct OVSFlowDump: OVSFlowReading {
    /// ovs-vswitchd's run directory, where `BRIDGE.mgmt` is.
    let runDirectory: String
    let thread = IOThread(name: "ovs-ofctl")

    func flows(bridge: String) async throws(PatchbayError) -> [OVSFlow] {
        let runDirectory = self.runDirectory
        let text = try await thread.run { () throws(PatchbayError) -> String in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/ovs-ofctl")
            process.arguments = ["dump-flows", bridge]
            var environment = ProcessInfo.processInfo.environment
            environment["OVS_RUNDIR"] = runDirectory
            process.environment = environment
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            do { try process.run() } catch {
                throw PatchbayError(.unavailable, "cannot run ovs-ofctl (install openvswitch-common): \(error)")
            }
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw PatchbayError(.unavailable, "ovs-ofctl dump-flows \(bridge) failed (run directory \(runDirectory)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            return text
        }
        return OVSFlowParser.parse(text)
    }
}
