import CPatchbay
import Foundation
import PatchbayModel

/// The daemon's files: the state directory with its database and lock, and the API socket.
struct DaemonFiles {
    let stateDirectory: String
    let socketPath: String
    let helperSocketPath: String

    var databasePath: String { stateDirectory + "/patchbay.sqlite" }
    /// What the firewall applied last, so a restart re-applies only when something differs.
    var firewallStatePath: String { stateDirectory + "/firewall.json" }
    var nwfilterStatePath: String { stateDirectory + "/nwfilter.json" }
    var lockPath: String { stateDirectory + "/patchbayd.lock" }

    /// The state directory is the daemon's alone (0700, even if it existed with another mode);
    /// files it creates are private too (umask 077), so the API socket is 0600 from the moment it
    /// is bound until it is given its documented mode (`secureSocket`).
    func prepare() throws(PatchbayError) {
        umask(0o077)
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard chmod(stateDirectory, 0o700) == 0 else {
                throw PatchbayError(.storage, "cannot make \(stateDirectory) private (mode 0700)", cause: String(cString: strerror(errno)))
            }
            for path in [socketPath, helperSocketPath] {
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty {
                    try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
                }
            }
        } catch let error as PatchbayError {
            throw error
        } catch {
            throw PatchbayError(.storage, "cannot create \(stateDirectory) or the sockets' directory", cause: "\(error)")
        }
    }

    /// The id of `--socket-group` (root's, 0, when none is named).
    static func groupID(_ group: String?) throws(PatchbayError) -> gid_t {
        guard let group else { return 0 }
        guard let entry = getgrnam(group) else { throw PatchbayError(.invalidArgument, "--socket-group: no group named '\(group)'") }
        return entry.pointee.gr_gid
    }

    /// Gives the bound API socket mode 0660 and the administrators' group (root's when none is
    /// named): only they can drive the daemon, as with libvirt's read-write socket.
    static func secureSocket(_ path: String, group: String?) throws(PatchbayError) {
        let gid = try groupID(group)
        guard chown(path, 0, gid) == 0 else {
            throw PatchbayError(.storage, "cannot give the API socket \(path) to group \(group ?? "root")", cause: String(cString: strerror(errno)))
        }
        guard chmod(path, 0o660) == 0 else {
            throw PatchbayError(.storage, "cannot set mode 0660 on the API socket \(path)", cause: String(cString: strerror(errno)))
        }
    }

    /// One daemon per state directory: a second one would fight the first over the kernel.
    func lockStateDirectory() throws(PatchbayError) -> StateLock {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PatchbayError(.storage, "cannot open \(lockPath)", cause: String(cString: strerror(errno)))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw PatchbayError(.operationInvalid, "another patchbayd is already using \(stateDirectory)")
        }
        return StateLock(fd: fd)
    }

    /// A socket file left by a daemon that died (kill -9) would make bind fail; it is removed
    /// unless something still answers on it.
    func removeStaleSocket() throws(PatchbayError) {
        guard FileManager.default.fileExists(atPath: socketPath) else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        let connected = cpatchbay_unix_socket_address(fd, socketPath, 0)
        if connected == -ENAMETOOLONG {
            throw PatchbayError(.invalidArgument, "socket path \(socketPath) is too long")
        }
        if connected == 0 {
            throw PatchbayError(.operationInvalid, "another daemon is serving \(socketPath)")
        }
        unlink(socketPath)
    }
}

/// Holds the state directory's flock until released (or the process ends, even by kill -9).
struct StateLock {
    let fd: Int32
    func release() { close(fd) }
}
