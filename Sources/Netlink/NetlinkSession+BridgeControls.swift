import Glibc
import NetlinkWire
import PatchbayModel

/// Bridge timers and priority, bridge port flags, and the forwarding database.
extension NetlinkSession {
    /// Equivalent to: `ip link set dev BR type bridge hello_time HT max_age MA ageing_time AT
    /// priority P` (times in centiseconds, as iproute2 passes them), each only when given.
    public func setBridgeControls(index: Int32, helloTimeCentiseconds: UInt32?, maxAgeCentiseconds: UInt32?,
                                  ageingTimeCentiseconds: UInt32?, priority: UInt16?) throws(NetlinkError) {
        try execute(LinkRequest.setBridgeControls(index: index, helloTimeCentiseconds: helloTimeCentiseconds,
                                                  maxAgeCentiseconds: maxAgeCentiseconds,
                                                  ageingTimeCentiseconds: ageingTimeCentiseconds, priority: priority),
                    operation: "set bridge controls of interface \(index)")
    }

    /// Equivalent to: `bridge link set dev PORT priority P cost C learning on|off isolated on|off`.
    public func setBridgePortFlags(index: Int32, priority: UInt16?, cost: UInt32?, learning: Bool?, isolated: Bool?) throws(NetlinkError) {
        try execute(LinkRequest.setBridgePortFlags(index: index, priority: priority, cost: cost, learning: learning, isolated: isolated),
                    operation: "set bridge port flags of interface \(index)")
    }

    /// Equivalent to: `bridge fdb show br BR`: the bridge's entries and its ports' own (`self`) ones.
    public func fdb(bridgeIndex: Int32) throws(NetlinkError) -> [FDBEntry] {
        let operation = "dump the forwarding database of interface \(bridgeIndex)"
        var entries: [FDBEntry] = []
        for message in try dump(FDBRequest.dump(bridgeIndex: bridgeIndex), operation: operation) {
            do {
                if let entry = try FDBEntry(message: message) { entries.append(entry) }
            } catch {
                throw NetlinkError(operation: operation, errno: EBADMSG, extendedMessage: "\(error)")
            }
        }
        return entries
    }

    /// Equivalent to: `bridge fdb add MAC dev PORT master static [vlan V]`.
    public func addStaticFDBEntry(_ mac: MACAddress, portIndex: Int32, vlan: UInt16?) throws(NetlinkError) {
        try execute(FDBRequest.addStatic(mac, portIndex: portIndex, vlan: vlan),
                    operation: "add static FDB entry \(mac) on interface \(portIndex)")
    }

    /// Equivalent to: `bridge fdb del MAC dev PORT master [vlan V]`.
    public func deleteFDBEntry(_ mac: MACAddress, portIndex: Int32, vlan: UInt16?) throws(NetlinkError) {
        try execute(FDBRequest.delete(mac, portIndex: portIndex, vlan: vlan),
                    operation: "delete FDB entry \(mac) on interface \(portIndex)")
    }
}
