import Glibc
import NetlinkWire
import PatchbayModel

/// Operations on a device known by interface index. Patchbay checks a device's ownership tag and
/// then acts on the same index, so a name the kernel hands to another device in between (a TAP
/// closed and reopened by someone else) cannot redirect the action.
extension NetlinkSession {
    /// Equivalent to: `ip -d link show` of the device with index `index`; nil when there is none.
    public func link(index: Int32) throws(NetlinkError) -> Link? {
        do {
            let reply = try query(LinkRequest.get(index: index), operation: "get link \(index)")
            return try decodeLink(reply, operation: "get link \(index)")
        } catch where error.errno == ENODEV {
            return nil
        }
    }

    /// Equivalent to: `ip link set dev DEV alias TEXT`.
    public func setAlias(index: Int32, _ alias: String) throws(NetlinkError) {
        try execute(LinkRequest.setAlias(index: index, alias: alias), operation: "set alias of interface \(index)")
    }

    /// Equivalent to: `ip link set dev DEV name NEWNAME`.
    public func rename(index: Int32, to name: String) throws(NetlinkError) {
        try execute(LinkRequest.rename(index: index, to: name), operation: "rename interface \(index) to \(name)")
    }

    /// Equivalent to: `ip link set dev DEV master BRIDGE` (`nomaster` for 0).
    public func setMaster(index: Int32, masterIndex: Int32) throws(NetlinkError) {
        try execute(LinkRequest.setMaster(index: index, masterIndex: masterIndex),
                    operation: "attach interface \(index) to interface \(masterIndex)")
    }

    /// Equivalent to: `ip link set dev DEV up` (or `down`).
    public func setLinkUp(index: Int32, _ up: Bool) throws(NetlinkError) {
        try execute(LinkRequest.setUp(index: index, up), operation: "set interface \(index) \(up ? "up" : "down")")
    }

    /// Equivalent to: `ip link set dev DEV address MAC`.
    public func setMAC(index: Int32, _ mac: MACAddress) throws(NetlinkError) {
        try execute(LinkRequest.setAddress(index: index, mac: mac), operation: "set address \(mac) on interface \(index)")
    }

    /// Equivalent to: `ip link delete dev DEV`.
    public func deleteLink(index: Int32) throws(NetlinkError) {
        try execute(LinkRequest.delete(index: index), operation: "delete interface \(index)")
    }
}
