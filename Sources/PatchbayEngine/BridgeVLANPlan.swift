import PatchbayModel

/// The VLAN table a bridge port gets for a `<vlan>`, with the kernel's bridge VLAN filtering
/// (`bridge vlan add dev PORT vid V [pvid] [untagged]`). Pure.
///
/// libvirt itself never programs Linux-bridge VLANs: its networkValidate refuses `<vlan>` on
/// every network whose ports sit on a Linux bridge (nat, route, open, isolated, and `<forward
/// mode='bridge'>` without Open vSwitch), and its qemu driver refuses a vlan on such an interface.
/// Patchbay follows it for the networks it makes (LibvirtXML refuses those at define) and extends
/// it only to host bridges (`<forward mode='bridge'/><bridge name>` without a virtualport;
/// `NetworkValidator.validatePortGroups`). The meaning is taken from the one Linux switch libvirt
/// does program, Open vSwitch (virNetDevOpenvswitchConstructVlans):
/// - one tag, no trunk (`tag=V`, an access port): `vid V pvid untagged`;
/// - `trunk='yes'` (`trunks=V1,V2,…`): each tag as a tagged member, no PVID, so untagged frames
///   from the guest are dropped, as OVS's vlan_mode=trunk drops them;
/// - a tag with `nativeMode='untagged'` (`vlan_mode=native-untagged tag=N`): `vid N pvid untagged`;
/// - a tag with `nativeMode='tagged'` (`vlan_mode=native-tagged tag=N`): `vid N pvid`, leaving
///   the port tagged.
/// Every port of a filtering bridge starts in the bridge's default PVID (VLAN 1, untagged);
/// unless the `<vlan>` names VLAN 1 itself, that entry is deleted first, so the guest neither
/// sends nor receives anything outside its VLANs.
public struct BridgeVLANPlan: Sendable, Hashable {
    /// VLANs to delete before adding (`bridge vlan del dev PORT vid V`).
    public var delete: [UInt16]
    /// Entries to add, in this order (`bridge vlan add dev PORT ...`).
    public var add: [BridgeVLANEntry]

    /// The bridge's default PVID (IFLA_BR_VLAN_DEFAULT_PVID's default, 1).
    public static let defaultPVID: UInt16 = 1

    public init(delete: [UInt16], add: [BridgeVLANEntry]) {
        self.delete = delete
        self.add = add
    }

    /// The plan for a port's `<vlan>`; nil when it has none (the port stays in the default PVID,
    /// as on a bridge without filtering).
    public init?(_ vlan: VLANDefinition?) {
        guard let vlan, !vlan.tags.isEmpty else { return nil }
        var add: [BridgeVLANEntry] = []
        for tag in vlan.tags {
            if !vlan.trunk {
                add.append(BridgeVLANEntry(vid: tag.id, pvid: true, untagged: true))
            } else {
                switch tag.nativeMode {
                case .untagged: add.append(BridgeVLANEntry(vid: tag.id, pvid: true, untagged: true))
                case .tagged: add.append(BridgeVLANEntry(vid: tag.id, pvid: true))
                case nil: add.append(BridgeVLANEntry(vid: tag.id))
                }
            }
        }
        let keepsDefault = vlan.tags.contains { $0.id == Self.defaultPVID }
        self.init(delete: keepsDefault ? [] : [Self.defaultPVID], add: add)
    }
}
