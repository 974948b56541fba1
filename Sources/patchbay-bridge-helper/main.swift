// patchbay-bridge-helper: QEMU's bridge helper protocol on Patchbay networks.
//
//   qemu-system-x86_64 -netdev bridge,id=n0,br=virbr0,helper=/usr/libexec/patchbay-bridge-helper \
//       -device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56 ...
//
// QEMU runs `HELPER [--use-vnet] --br=BRIDGE --fd=N`. The helper asks patchbayd, on its helper
// socket, for a TAP on BRIDGE (with the VM's name and MAC read from QEMU's command line, which
// only label the port) and passes the descriptor patchbayd sends back to QEMU over the unix
// socket N. The helper needs no privileges: patchbayd decides from the kernel's account of who
// is asking (SO_PEERCRED) and its ACL (`patchbayd --helper-acl`) whether they may, and opens the
// TAP itself. When QEMU closes the TAP, it disappears and patchbayd drops the port.
//
// Installed setuid anyway, it trusts nothing of its caller's: it ignores PATCHBAY_HELPER_SOCKET
// and --owner, and gives up the rights before it connects, so patchbayd sees the real caller (root
// would otherwise be allowed everything).
import CPatchbay
import Foundation
import PatchbayModel

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("patchbay-bridge-helper: \(message)\n".utf8))
    exit(1)
}

let defaultSocket = "/run/patchbay/helper.sock"
let elevated = cpatchbay_is_setuid() != 0
if elevated {
    let dropped = cpatchbay_drop_privileges()
    guard dropped == 0 else { fail("cannot give up setuid rights: \(String(cString: strerror(-dropped)))") }
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
        ownerOverride = elevated ? nil : String(argument.dropFirst(8))
    } else {
        fail("unknown argument '\(argument)'; usage: patchbay-bridge-helper [--use-vnet] --br=BRIDGE --fd=N [--owner=NAME]")
    }
}
guard let bridge, !bridge.isEmpty, bridge.utf8.count < 16 else { fail("--br=BRIDGE (an interface name) is required") }
guard let socketFD, socketFD >= 0 else { fail("--fd=N (the unix socket QEMU gave) is required") }

let socketPath = elevated ? defaultSocket : (ProcessInfo.processInfo.environment["PATCHBAY_HELPER_SOCKET"] ?? defaultSocket)
let parent = getppid()
let qemu = QEMUCommandLine(procCmdline: Array((try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(parent)/cmdline"))) ?? Data()))
let request = HelperRequest(bridge: bridge, vnetHeader: useVnet, owner: ownerOverride ?? qemu.vmName, mac: qemu.mac(forBridge: bridge))

let connection = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
guard connection >= 0 else { fail("cannot create a socket: \(String(cString: strerror(errno)))") }
let connected = cpatchbay_unix_socket_address(connection, socketPath, 0)
if connected == -ENAMETOOLONG { fail("socket path \(socketPath) is too long") }
guard connected == 0 else { fail("cannot reach patchbayd at \(socketPath): \(String(cString: strerror(-connected)))") }
_ = cpatchbay_set_receive_timeout(connection, 30_000)

let body = Array((try? JSONEncoder().encode(request)) ?? Data()) + [UInt8(ascii: "\n")]
guard body.withUnsafeBufferPointer({ cpatchbay_send_with_fd(connection, $0.baseAddress, $0.count, -1) }) == body.count else {
    fail("cannot send the request to patchbayd")
}
var reply = [UInt8](repeating: 0, count: 8192)
var tap: Int32 = -1
let received = reply.withUnsafeMutableBufferPointer { cpatchbay_receive_fd(connection, $0.baseAddress, $0.count, &tap) }
guard received > 0, let response = try? JSONDecoder().decode(HelperResponse.self, from: Data(reply[0..<Int(received)])) else {
    fail("patchbayd sent no answer")
}
if let error = response.error {
    if tap >= 0 { close(tap) }
    fail(error.description)
}
guard tap >= 0 else { fail("patchbayd answered without a TAP descriptor") }
let sent = cpatchbay_send_fd(socketFD, tap)
guard sent == 0 else { fail("cannot pass the TAP descriptor to QEMU: \(String(cString: strerror(-sent)))") }
exit(0)
