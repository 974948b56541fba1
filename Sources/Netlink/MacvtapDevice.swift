import CPatchbay
import Glibc

/// The character device behind a macvtap, what QEMU reads and writes as `-netdev tap,fd=N`.
/// Opened by its major:minor from sysfs rather than by /dev/tapIFINDEX: interface indexes repeat
/// across network namespaces, so the node under /dev may belong to another namespace's macvtap
/// (devtmpfs keeps the first one made under a name).
public enum MacvtapDevice {
    /// Opens `queues` descriptors of the macvtap `name` in the caller's namespace (one per queue, as
    /// libvirt's virNetDevMacVLanTapOpen does; more than one makes them a multiqueue set), with
    /// vnet_hdr when asked. `scratchDirectory` holds the device node for the instant of the open.
    public static func open(name: String, index: Int32, vnetHeader: Bool, queues: Int,
                            scratchDirectory: String, sysfs: String = "/sys") throws(NetlinkError) -> [Int32] {
        let operation = "open macvtap \(name)"
        let path = "\(sysfs)/class/net/\(name)/macvtap/tap\(index)/dev"
        guard let text = readSmallFile(path) else {
            throw NetlinkError(operation: operation, errno: errno == 0 ? ENOENT : errno, extendedMessage: "cannot read \(path)")
        }
        let parts = text.split(separator: ":").map { UInt32($0.filter { !$0.isWhitespace }) }
        guard parts.count == 2, let major = parts[0], let minor = parts[1] else {
            throw NetlinkError(operation: operation, errno: EINVAL, extendedMessage: "\(path) holds '\(text)', not MAJOR:MINOR")
        }
        var flags: Int32 = vnetHeader ? CPATCHBAY_TAP_VNET_HDR : 0
        if queues > 1 { flags |= CPATCHBAY_TAP_MULTI_QUEUE }
        var fds: [Int32] = []
        for _ in 0..<max(queues, 1) {
            let fd = cpatchbay_macvtap_open(major, minor, scratchDirectory, flags)
            guard fd >= 0 else {
                for open in fds { close(open) }
                throw NetlinkError(operation: operation, errno: -fd, extendedMessage: "device \(major):\(minor) through \(scratchDirectory)")
            }
            fds.append(fd)
        }
        return fds
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
