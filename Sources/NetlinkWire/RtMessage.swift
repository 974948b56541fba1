/// struct rtmsg (<linux/rtnetlink.h>), the fixed header of every RTM_*ROUTE message:
/// u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags.
public struct RtMessage: Sendable, Hashable {
    public static let length = 12

    public var family: UInt8
    public var destinationLength: UInt8
    public var sourceLength: UInt8 = 0
    public var tos: UInt8 = 0
    public var table: UInt8
    public var protocolID: UInt8
    public var scope: UInt8
    public var type: UInt8
    public var flags: UInt32 = 0

    public init(family: UInt8, destinationLength: UInt8, table: UInt8, protocolID: UInt8, scope: UInt8, type: UInt8, flags: UInt32 = 0) {
        self.family = family
        self.destinationLength = destinationLength
        self.table = table
        self.protocolID = protocolID
        self.scope = scope
        self.type = type
        self.flags = flags
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = [family, destinationLength, sourceLength, tos, table, protocolID, scope, type]
        withUnsafeBytes(of: flags) { out += $0 }
        return out
    }

    public init(parsing payload: [UInt8]) throws(NetlinkWireError) {
        guard payload.count >= Self.length else {
            throw NetlinkWireError("route message payload of \(payload.count) bytes is shorter than struct rtmsg", offset: NetlinkMessage.headerLength)
        }
        family = payload[0]
        destinationLength = payload[1]
        sourceLength = payload[2]
        tos = payload[3]
        table = payload[4]
        protocolID = payload[5]
        scope = payload[6]
        type = payload[7]
        flags = payload.hostUInt32(at: 8)
    }
}
