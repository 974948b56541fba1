/// struct ifaddrmsg (<linux/if_addr.h>), the fixed header of every RTM_*ADDR message:
/// u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index.
public struct IfAddrMessage: Sendable, Hashable {
    public static let length = 8

    public var family: UInt8
    public var prefixLength: UInt8
    public var flags: UInt8
    public var scope: UInt8
    public var index: UInt32

    public init(family: UInt8, prefixLength: UInt8, flags: UInt8 = 0,
                scope: UInt8 = NetlinkConstants.RT_SCOPE_UNIVERSE, index: UInt32) {
        self.family = family
        self.prefixLength = prefixLength
        self.flags = flags
        self.scope = scope
        self.index = index
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = [family, prefixLength, flags, scope]
        withUnsafeBytes(of: index) { out += $0 }
        return out
    }

    public init(parsing payload: [UInt8]) throws(NetlinkWireError) {
        guard payload.count >= Self.length else {
            throw NetlinkWireError("address message payload of \(payload.count) bytes is shorter than struct ifaddrmsg", offset: NetlinkMessage.headerLength)
        }
        family = payload[0]
        prefixLength = payload[1]
        flags = payload[2]
        scope = payload[3]
        index = payload.hostUInt32(at: 4)
    }
}
