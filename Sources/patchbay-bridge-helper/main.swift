// patchbay-bridge-helper: QEMU's bridge helper protocol on Patchbay networks.
//
//   qemu-system-x86_64 -netdev bridge,id=n0,br=virbr0,helper=/usr/libexec/patchbay-bridge-helper \
//       -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56 ...
//
// QEMU runs `HELPER [--use-vnet] --br=BRIDGE --fd=N`: the helper opens a TAP, has patchbayd put
// it on BRIDGE as a port of the VM (its name and MAC read from QEMU's command line), and passes
// the descriptor back over the unix socket N. The TAP is not persistent: when QEMU closes it, it
// disappears and patchbayd drops the port. Only bridges of active Patchbay networks are allowed.
import CPatchbay
import Foundation
import PatchbayClient
import PatchbayModel

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("patchbay-bridge-helper: \(message)\n".utf8))
    exit(1)
}

var useVnet = false
var bridge: String?
var socketFD: Int32?
var ownerOverride: String?
for argument in CommandLine.arguments.dropFirst() {
    if argument == "--use-vnet" {
        useVnet = true
    } else if argument.hasPrefix("--br=") {
        bridge = String(argument.dropFirst(5))
    } else if argument.hasPrefix("--fd=") {
        socketFD = Int32(argument.dropFirst(5))
    } else if argument.hasPrefix("--owner=") {
        ownerOverride = String(argument.dropFirst(8))
    } else {
        fail("unknown argument '\(argument)'; usage: patchbay-bridge-helper [--use-vnet] --br=BRIDGE --fd=N [--owner=NAME]")
    }
}
guard let bridge, !bridge.isEmpty else { fail("--br=BRIDGE is required") }
guard let socketFD, socketFD >= 0 else { fail("--fd=N (the unix socket QEMU gave) is required") }

let client = PatchbayClient(socketPath: ProcessInfo.processInfo.environment["PATCHBAY_SOCKET"] ?? PatchbayClient.defaultSocketPath)
let network: String
do {
    let networks = try await client.listNetworks()
    guard let match = networks.first(where: { $0.active && $0.bridge == bridge }) else {
        fail("bridge \(bridge) does not belong to an active Patchbay network (see patchbay net-list and net-info)")
    }
    network = match.name
} catch {
    fail("cannot reach patchbayd: \(error)")
}

let parent = getppid()
let qemu = QEMUCommandLine(procCmdline: Array((try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(parent)/cmdline"))) ?? Data()))
let owner = ownerOverride ?? qemu.vmName ?? "qemu-\(parent)"

var name = [CChar](repeating: 0, count: 16)
let tap = cpatchbay_tap_open("vnet%d", useVnet ? CPATCHBAY_TAP_VNET_HDR : 0, &name)
guard tap >= 0 else { fail("cannot open a TAP device: \(String(cString: strerror(-tap)))") }
let device = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)

do {
    _ = try await client.createPort(network, CreatePortRequest(ownerName: owner, mac: qemu.mac(forBridge: bridge), type: .tap,
                                                               device: device))
} catch {
    close(tap)
    fail("cannot attach \(device) to \(bridge): \(error)")
}
let sent = cpatchbay_send_fd(socketFD, tap)
guard sent == 0 else { fail("cannot pass the TAP descriptor to QEMU: \(String(cString: strerror(-sent)))") }
exit(0)
