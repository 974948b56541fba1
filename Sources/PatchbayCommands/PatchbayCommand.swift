import ArgumentParser
import FoundationEssentials
import Glibc
import PatchbayModel

/// `patchbay`: the CLI, a client of patchbayd with virsh's verbs.
public struct PatchbayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "patchbay",
        abstract: "Virtual networks for KVM/QEMU hosts, driven through patchbayd.",
        discussion: "Exit status: 0 on success, 1 when an operation failed, 2 on bad usage.",
        version: PatchbayVersion.current,
        subcommands: [
            NetDefine.self, NetUndefine.self, NetStart.self, NetDestroy.self, NetAutostart.self,
            NetList.self, NetInfo.self, NetDumpXML.self, NetEdit.self, NetUpdate.self, NetDHCPLeases.self,
            NetForwardAdd.self, NetForwardList.self, NetForwardDelete.self,
            NetPortCreate.self, NetPortList.self, NetPortDumpXML.self, NetPortDelete.self, DomIfList.self, DomIfStat.self,
            IfaceBridge.self, IfaceUnbridge.self,
            NetBridgeSet.self, NetBridgeInfo.self, NetPortSet.self, NetPortSetBandwidth.self, NetFDB.self, NetFDBAdd.self, NetFDBDelete.self, NetFlows.self,
            DPDKCheckCommand.self,
            NWFilterDefine.self, NWFilterUndefine.self, NWFilterList.self, NWFilterDumpXML.self, NWFilterEdit.self,
            NWFilterBindingCreate.self, NWFilterBindingDelete.self, NWFilterBindingList.self, NWFilterBindingDumpXML.self,
            NWFilterBindingStats.self,
            ACLCreate.self, ACLDefine.self, ACLDelete.self, ACLRuleAdd.self, ACLRuleRemove.self, ACLAttach.self, ACLDetach.self,
            ACLList.self, ACLShow.self,
            EventCommand.self, MonitorCommand.self,
            CaptureCommand.self,
            DoctorCommand.self,
            BenchCommand.self, TuneCommand.self,
            TopCommand.self,
        ])

    public init() {}

    /// Runs the CLI with exit statuses scripts can trust: 0 success, 1 failed operation, 2 bad
    /// usage (ArgumentParser's own default for usage errors is 64, which virsh users would not
    /// expect).
    public static func runMain() async -> Never {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Glibc.exit(0)
        } catch let error as PatchbayError {
            POSIXIO.writeStandardError("error: \(error.description)\n")
            Glibc.exit(1)
        } catch let status as CheckStatus {
            Glibc.exit(status.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            POSIXIO.writeStandardError(fullMessage(for: error) + "\n")
            Glibc.exit(code == .validationFailure ? 2 : 1)
        }
    }
}
