import CPatchbay
import Foundation
import Glibc
import Logging
import Netlink
import PatchbayEngine
import PatchbayKernel
import PatchbayModel
import Synchronization

/// The daemon's end of `patchbay-bridge-helper`: a unix socket anyone may connect to, on which
/// the daemon, not a setuid helper, does the privileged part. It learns who asks from the kernel
/// (SO_PEERCRED, SO_PEERGROUPS), checks them against the ACL file (deny by default, root always
/// allowed), opens the TAP itself, has the engine adopt it as a port of the network, and passes
/// the descriptor back. Nothing the caller sends grants anything: the bridge names the network,
/// the owner and MAC are recorded as given, and the port records the caller's uid.
final class HelperServer: Sendable {
    private let socketPath: String
    private let aclPath: String
    private let engine: NetworkEngine
    private let logger: Logger
    private let listener: Int32

    init(socketPath: String, aclPath: String, engine: NetworkEngine, logger: Logger) throws(PatchbayError) {
        self.socketPath = socketPath
        self.aclPath = aclPath
        self.engine = engine
        self.logger = logger
        unlink(socketPath)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw PatchbayError(.kernel, "cannot create the helper socket", cause: String(cString: strerror(errno))) }
        let bound = cpatchbay_unix_socket_address(fd, socketPath, 1)
        if bound == -ENAMETOOLONG {
            close(fd)
            throw PatchbayError(.invalidArgument, "helper socket path \(socketPath) is too long")
        }
        guard bound == 0, chmod(socketPath, 0o666) == 0, listen(fd, 64) == 0 else {
            let error = String(cString: strerror(bound < 0 ? -bound : errno))
            close(fd)
            throw PatchbayError(.kernel, "cannot listen on the helper socket \(socketPath)", cause: error)
        }
        listener = fd
    }

    func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "patchbay-helper"
        thread.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(socketPath)
    }

    /// Connections waiting for their request, per uid: a local user who opens connections and
    /// sends nothing holds up nobody but themselves.
    private let waiting = Mutex<[UInt32: Int]>([:])
    static let maximumWaitingPerUser = 8

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            var pid: Int32 = 0, uid: UInt32 = 0, gid: UInt32 = 0
            guard cpatchbay_peer_credentials(connection, &pid, &uid, &gid) == 0 else {
                close(connection)
                continue
            }
            let admitted = waiting.withLock { table -> Bool in
                guard table[uid, default: 0] < Self.maximumWaitingPerUser else { return false }
                table[uid, default: 0] += 1
                return true
            }
            guard admitted else {
                close(connection)
                continue
            }
            // Each connection reads its request on a thread of its own (a bounded wait).
            let peer = (pid: pid, uid: uid, gid: gid)
            let thread = Thread { [self] in
                handle(connection, pid: peer.pid, uid: peer.uid, gid: peer.gid)
                waiting.withLock { $0[peer.uid, default: 1] -= 1 }
            }
            thread.name = "patchbay-helper-request"
            thread.start()
        }
    }

    /// Reads the request here, then lets a task do the engine's part and answer.
    private func handle(_ connection: Int32, pid: Int32, uid: UInt32, gid: UInt32) {
        _ = cpatchbay_set_receive_timeout(connection, 2000)
        var groups = [UInt32](repeating: 0, count: 256)
        let count = groups.withUnsafeMutableBufferPointer { cpatchbay_peer_groups(connection, $0.baseAddress, Int32($0.count)) }
        let gids = Set([gid] + (count > 0 ? Array(groups[0..<Int(count)]) : []))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let read = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
        let caller = HelperACL.Caller(uid: uid, gids: gids, userName: Self.userName(uid), groupNames: Set(gids.compactMap(Self.groupName)))
        let request = read > 0 ? try? JSONDecoder().decode(HelperRequest.self, from: Data(buffer[0..<read])) : nil
        let engine = self.engine, logger = self.logger, aclPath = self.aclPath
        let scratch = String(socketPath[..<(socketPath.lastIndex(of: "/") ?? socketPath.startIndex)])
        Task {
            let (response, tap) = await Self.serve(request, caller: caller, pid: pid, engine: engine, aclPath: aclPath,
                                                   scratch: scratch.isEmpty ? "." : scratch, logger: logger)
            let body = Array(((try? JSONEncoder().encode(response)) ?? Data("{}".utf8)) + Data("\n".utf8))
            _ = body.withUnsafeBufferPointer { cpatchbay_send_with_fd(connection, $0.baseAddress, $0.count, tap ?? -1) }
            if let tap { close(tap) }
            close(connection)
        }
    }

    private static func serve(_ request: HelperRequest?, caller: HelperACL.Caller, pid: Int32, engine: NetworkEngine, aclPath: String,
                              scratch: String, logger: Logger) async -> (HelperResponse, Int32?) {
        guard let request else {
            return (HelperResponse(device: nil, error: PatchbayError(.invalidArgument, "the helper's request could not be read")), nil)
        }
        do throws(PatchbayError) {
            let networks = try await engine.list()
            // QEMU's `br=` names a bridge; a direct (macvtap) network has none, so there it names
            // the network itself.
            let network: NetworkSummary
            let direct: Bool
            if let bridged = networks.first(where: { $0.active && $0.bridge == request.bridge }) {
                (network, direct) = (bridged, false)
            } else if let named = networks.first(where: { $0.active && $0.bridge == nil && $0.name == request.bridge }),
                      try await engine.isDirect(named.name) {
                (network, direct) = (named, true)
            } else {
                throw PatchbayError(.notFound, "bridge \(request.bridge) does not belong to an active Patchbay network, nor is it an active direct (macvtap) network's name (see patchbay net-list and net-info)")
            }
            let acl = try readACL(aclPath)
            let (allowed, rule) = acl.decide(caller, network: network.name)
            guard allowed else {
                let why = rule.map { "line \($0.line) of \(aclPath) denies it" } ?? "no rule in \(aclPath) allows it"
                logger.warning("bridge helper request refused", metadata: ["network": "\(network.name)", "uid": "\(caller.uid)", "pid": "\(pid)"])
                throw PatchbayError(.permissionDenied, "user \(caller.userName ?? String(caller.uid)) may not attach guests to network '\(network.name)': \(why)")
            }
            let owner = request.owner.flatMap { $0.isEmpty ? nil : $0 } ?? "qemu-\(pid)"
            if direct {
                return try await handOverMacvtap(request, network: network.name, owner: owner, caller: caller, helperPID: pid,
                                                 engine: engine, scratch: scratch, logger: logger)
            }
            var name = [CChar](repeating: 0, count: 16)
            // `tap%d` (as QEMU's own helper names its TAPs): never a `vnetN` that a port being
            // created has reserved.
            let tap = cpatchbay_tap_open("tap%d", request.vnetHeader ? CPATCHBAY_TAP_VNET_HDR : 0, &name)
            guard tap >= 0 else { throw PatchbayError(.kernel, "cannot open a TAP device", cause: String(cString: strerror(-tap))) }
            let device = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            do throws(PatchbayError) {
                _ = try await engine.createPort(network: network.name,
                                                CreatePortRequest(ownerName: owner, mac: request.mac, type: .tap, device: device),
                                                requestedBy: caller.uid)
            } catch {
                close(tap)
                throw error
            }
            logger.info("bridge helper: TAP handed over", metadata: ["network": "\(network.name)", "device": "\(device)", "uid": "\(caller.uid)"])
            return (HelperResponse(device: device, error: nil), tap)
        } catch {
            return (HelperResponse(device: nil, error: error), nil)
        }
    }

    /// A direct network's port for QEMU: a macvtap made for the helper's parent (QEMU), deleted by
    /// the port sweep once that process is gone, and its character device opened here and handed
    /// over as QEMU's TAP descriptor (macvtap answers the same ioctls).
    private static func handOverMacvtap(_ request: HelperRequest, network: String, owner: String, caller: HelperACL.Caller, helperPID: Int32,
                                        engine: NetworkEngine, scratch: String, logger: Logger) async throws(PatchbayError) -> (HelperResponse, Int32?) {
        guard let qemu = ProcessIdentity.parentPID(helperPID), let started = ProcessIdentity.startTime(qemu) else {
            throw PatchbayError(.notFound, "the helper's parent process (QEMU) cannot be found")
        }
        let port = try await engine.createPort(network: network, CreatePortRequest(ownerName: owner, mac: request.mac, type: .macvtap),
                                               requestedBy: caller.uid, holder: (qemu, started))
        do {
            guard let index = port.interfaceIndex else { throw NetlinkError(operation: "open macvtap \(port.device)", errno: ENODEV) }
            let fds = try MacvtapDevice.open(name: port.device, index: index, vnetHeader: request.vnetHeader, queues: 1, scratchDirectory: scratch)
            logger.info("bridge helper: macvtap handed over", metadata: ["network": "\(network)", "device": "\(port.device)", "uid": "\(caller.uid)"])
            return (HelperResponse(device: port.device, error: nil), fds[0])
        } catch {
            try? await engine.deletePort(network: network, uuid: port.uuid)
            throw PatchbayError(.kernel, "cannot open the macvtap \(port.device)", cause: "\(error)")
        }
    }

    /// Read at every request, so an edit takes effect at once. A missing file denies everyone
    /// but root; an unreadable one is an error that names the line.
    private static func readACL(_ path: String) throws(PatchbayError) -> HelperACL {
        guard let data = FileManager.default.contents(atPath: path) else { return HelperACL() }
        return try HelperACL(parsing: String(decoding: data, as: UTF8.self), source: path)
    }

    private static func userName(_ uid: UInt32) -> String? {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    private static func groupName(_ gid: UInt32) -> String? {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return nil }
        return String(cString: name)
    }
}
