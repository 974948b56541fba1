/// struct ifinfomsg (<linux/rtnetlink.h>), the fixed header of every RTM_*LINK message:
/// u8 family, u8 pad, u16 type (ARPHRD_*), s32 index, u32 flags (IFF_*), u32 change mask.
public struct IfInfoMessage: Sendable, Hashable {
    public static let length = 16

    public var family: UInt8
    public var deviceType: UInt16
    public var index: Int32
    public var flags: UInt32
    public var change: UInt32

    public init(family: UInt8 = NetlinkConstants.AF_UNSPEC, deviceType: UInt16 = 0, index: Int32 = 0,
                flags: UInt32 = 0, change: UInt32 = 0) {
        self.family = family
        self.deviceType = deviceType
        self.index = index
        self.flags = flags
        self.change = change
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = [family, 0]
        withUnsafeBytes(of: deviceType) { out += $0 }
        withUnsafeBytes(of: index) { out += $0 }
        withUnsafeBytes(of: flags) { out += $0 }
        withUnsafeBytes(of: change) { out += $0 }
        return out
    }

    public init(parsing payload: [UInt8]) throws(NetlinkWireError) {
        guard payload.count >= Self.length else {
            throw NetlinkWireError("link message payload of \(payload.count) bytes is shorter than struct ifinfomsg", offset: NetlinkMessage.headerLength)
        }
        family = payload[0]
        deviceType = payload.hostUInt16(at: 2)
        index = payload.hostInt32(at: 4)
        flags = payload.hostUInt32(at: 8)
        change = payload.hostUInt32(at: 12)
    }
}
