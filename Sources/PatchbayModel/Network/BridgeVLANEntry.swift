/// One entry of a bridge port's VLAN table (`bridge vlan add dev PORT vid V [pvid] [untagged]`):
/// a VLAN or a range of VLANs, and whether untagged frames arriving on the port join it (PVID)
/// and whether it leaves the port untagged.
public struct BridgeVLANEntry: Sendable, Hashable, Codable {
    public var vid: UInt16
    /// The range's last VLAN (`vid 10-20`), nil for one VLAN.
    public var lastVID: UInt16?
    public var pvid: Bool
    public var untagged: Bool

    public init(vid: UInt16, through lastVID: UInt16? = nil, pvid: Bool = false, untagged: Bool = false) {
        self.vid = vid
        self.lastVID = lastVID
        self.pvid = pvid
        self.untagged = untagged
    }
}
