/// One VLAN of a Linux bridge port with VLAN filtering (`bridge vlan add dev PORT vid ID [pvid]
/// [untagged]`): whether frames of the VLAN leave the port tagged, and whether untagged frames
/// that enter it belong to the VLAN (the port's PVID, at most one per port).
public struct BridgeVLANEntry: Sendable, Hashable, Codable, CustomStringConvertible {
    public var id: UInt16
    public var pvid: Bool
    public var untagged: Bool

    public init(id: UInt16, pvid: Bool = false, untagged: Bool = false) {
        self.id = id
        self.pvid = pvid
        self.untagged = untagged
    }

    public var description: String { "vid \(id)" + (pvid ? " pvid" : "") + (untagged ? " untagged" : "") }

    /// The bridge's default PVID, which every new port gets untagged: a port given VLANs of its own
    /// leaves it, or an access port in VLAN 10 would also be in VLAN 1.
    public static let defaultPVID: UInt16 = 1

    /// A port's entries for libvirt's `<vlan>`, the way libvirt programs Open vSwitch (the one
    /// bridge it tags on, virNetDevOpenvswitchConstructVlans) spelt for the Linux bridge:
    /// - one tag, no trunk: an access port; the guest's frames are untagged (vid pvid untagged);
    /// - a trunk (`trunk='yes'`, or more than one tag): every tag tagged; a tag with
    ///   `nativeMode='untagged'` is the PVID and leaves untagged; `nativeMode='tagged'` is the PVID
    ///   and leaves tagged (the guest's untagged frames join it, its frames to the guest carry it).
    public static func entries(for vlan: VLANDefinition) -> [BridgeVLANEntry] {
        guard !vlan.tags.isEmpty else { return [] }
        if !vlan.trunk && vlan.tags.count == 1 {
            return [BridgeVLANEntry(id: vlan.tags[0].id, pvid: true, untagged: true)]
        }
        return vlan.tags.map { tag in
            switch tag.nativeMode {
            case .untagged?: BridgeVLANEntry(id: tag.id, pvid: true, untagged: true)
            case .tagged?: BridgeVLANEntry(id: tag.id, pvid: true, untagged: false)
            case nil: BridgeVLANEntry(id: tag.id)
            }
        }
    }
}
