import Glibc
import NetlinkWire
import PatchbayModel

/// The Linux bridge's VLAN filtering. Each names the iproute2 command it is equivalent to.
extension NetlinkSession {
    /// Whether the bridge filters VLANs, or nil when the kernel cannot (built without
    /// CONFIG_BRIDGE_VLAN_FILTERING). Found out by writing the bridge's current setting back,
    /// which changes nothing on a kernel that has the option and fails with EOPNOTSUPP on one that
    /// lacks it (the attribute is reported either way, so reading alone cannot tell).
    public func bridgeVLANFiltering(index: Int32) throws(NetlinkError) -> Bool? {
        guard let link = try link(index: index), link.kind == "bridge" else {
            throw NetlinkError(operation: "read VLAN filtering of bridge \(index)", errno: ENODEV)
        }
        let current = link.bridge?.vlanFiltering ?? false
        do {
            try execute(BridgeVLANRequest.setVLANFiltering(bridgeIndex: index, current), operation: "probe VLAN filtering on \(link.name)")
        } catch where error.errno == EOPNOTSUPP {
            return nil
        }
        return current
    }

    /// Equivalent to: `bridge vlan del dev PORT vid 1 master` (when `leaveDefault`) and
    /// `bridge vlan add dev PORT vid ID [pvid] [untagged] master` for each entry.
    public func setBridgeVLANs(portIndex: Int32, _ entries: [BridgeVLANEntry], leaveDefault: Bool) throws(NetlinkError) {
        if leaveDefault {
            do {
                try execute(BridgeVLANRequest.delete(portIndex: portIndex, ids: [BridgeVLANEntry.defaultPVID]), operation: "remove VLAN 1 from port \(portIndex)")
            } catch where error.errno == ENOENT {
                // Left already (a port put back on its bridge after a restart).
            }
        }
        try execute(BridgeVLANRequest.add(portIndex: portIndex, entries), operation: "add VLANs to port \(portIndex)")
    }
}
