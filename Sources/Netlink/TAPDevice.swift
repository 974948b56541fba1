import CPatchbay
import Glibc

/// Persistent TAP devices through /dev/net/tun. rtnetlink can list and delete them but not create
/// them with a queue configuration, so creation takes the character-device route, as iproute2's
/// `ip tuntap` and libvirt's virNetDevTapCreate do.
enum TAPDevice {
    static func create(namespacePath: String?, name: String, vnetHeader: Bool, multiQueue: Bool,
                       owner: UInt32?, group: UInt32?, exclusive: Bool) throws(NetlinkError) -> String {
        var flags: Int32 = exclusive ? CPATCHBAY_TAP_EXCLUSIVE : 0
        if vnetHeader { flags |= CPATCHBAY_TAP_VNET_HDR }
        if multiQueue { flags |= CPATCHBAY_TAP_MULTI_QUEUE }
        var out = [CChar](repeating: 0, count: 16)
        let ownerArg = owner.map { Int($0) } ?? -1
        let groupArg = group.map { Int($0) } ?? -1
        let rc = out.withUnsafeMutableBufferPointer { buffer in
            name.withCString { cName in
                if let namespacePath {
                    namespacePath.withCString { cpatchbay_tap_create($0, cName, flags, ownerArg, groupArg, buffer.baseAddress) }
                } else {
                    cpatchbay_tap_create(nil, cName, flags, ownerArg, groupArg, buffer.baseAddress)
                }
            }
        }
        guard rc >= 0 else { throw NetlinkError(operation: "create tap \(name)", errno: -rc) }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
