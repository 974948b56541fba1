/// A port's share of its network's guaranteed inbound bandwidth: its class on the bridge, and
/// the MAC that selects it.
public struct BandwidthFloor: Sendable, Hashable {
    public var mac: MACAddress
    public var classID: UInt16
    /// Kilobytes per second, as `<inbound floor>`.
    public var floor: UInt64

    public init(mac: MACAddress, classID: UInt16, floor: UInt64) {
        self.mac = mac
        self.classID = classID
        self.floor = floor
    }

    /// Class ids of floors on a bridge: 1:1 and 1:2 are the network's, and u32 numbers a
    /// rule in 12 bits.
    public static let classIDs: ClosedRange<UInt16> = 3...0xFFF
}
