import Glibc
import NetlinkWire
import PatchbayModel

extension NetlinkSession {
    /// Equivalent to: `ip neigh replace ADDRESS lladdr MAC dev NAME nud stale`.
    public func replaceNeighbor(_ address: IPAddress, mac: MACAddress, on name: String) throws(NetlinkError) {
        let operation = "set neighbour \(address) lladdr \(mac) on \(name)"
        try execute(NeighborRequest.replace(address, mac: mac, interfaceIndex: try requireIndex(name, for: operation)),
                    operation: operation)
    }

    /// Equivalent to: `ip neigh replace ...` on a known interface index (no name lookup), for the
    /// DHCP server's hot path.
    public func replaceNeighbor(_ address: IPAddress, mac: MACAddress, interfaceIndex: Int32) throws(NetlinkError) {
        try execute(NeighborRequest.replace(address, mac: mac, interfaceIndex: interfaceIndex),
                    operation: "set neighbour \(address) lladdr \(mac) on interface \(interfaceIndex)")
    }

    /// Equivalent to: `bridge fdb get MAC br BRIDGE`. The port (interface index) on which the
    /// bridge learned `mac`, or nil when it has not seen it.
    public func bridgePort(of mac: MACAddress, bridgeIndex: Int32) throws(NetlinkError) -> Int32? {
        do {
            let reply = try query(NeighborRequest.fdbGet(mac, bridgeIndex: bridgeIndex),
                                  operation: "look up \(mac) in the forwarding database of interface \(bridgeIndex)")
            return NeighborRequest.interfaceIndex(inReply: reply)
        } catch where error.errno == ENOENT {
            return nil
        }
    }

    /// The interface index of `name`, or nil.
    public func interfaceIndex(of name: String) throws(NetlinkError) -> Int32? {
        try link(named: name)?.index
    }
}
