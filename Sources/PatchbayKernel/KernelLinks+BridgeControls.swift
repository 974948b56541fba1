import Netlink
import NetlinkWire
import PatchbayEngine
import PatchbayModel

/// `BridgeControlManaging` on rtnetlink, on the adapter's thread. The kernel counts the bridge's
/// times in centiseconds (clock_t); the engine in whole seconds.
extension KernelLinks {
    public func setBridgeControls(index: Int32, _ controls: BridgeControls) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in
            try session.setBridgeControls(index: index,
                                          helloTimeCentiseconds: controls.helloTimeSeconds.map { UInt32($0) * 100 },
                                          maxAgeCentiseconds: controls.maxAgeSeconds.map { UInt32($0) * 100 },
                                          ageingTimeCentiseconds: controls.ageingTimeSeconds.map { UInt32($0) * 100 },
                                          priority: controls.priority.map { UInt16($0) })
        }
    }

    public func bridgeControls(index: Int32) async throws(PatchbayError) -> BridgeControls? {
        try await kernel { session throws(NetlinkError) -> BridgeControls? in
            guard let bridge = try session.link(index: index)?.bridge else { return nil }
            return BridgeControls(priority: bridge.priority.map(Int.init), helloTimeSeconds: bridge.helloTime.map { Int($0) / 100 },
                                  maxAgeSeconds: bridge.maxAge.map { Int($0) / 100 },
                                  ageingTimeSeconds: bridge.ageingTime.map { Int($0) / 100 })
        }
    }

    public func setPortBridgeControls(index: Int32, _ controls: PortBridgeControls) async throws(PatchbayError) {
        guard !controls.isEmpty else { return }
        try await kernel { session throws(NetlinkError) in
            try session.setBridgePortFlags(index: index, priority: controls.priority.map { UInt16($0) },
                                           cost: controls.cost.map { UInt32($0) }, learning: controls.learning,
                                           isolated: controls.isolated)
        }
    }

    public func portBridgeControls(index: Int32) async throws(PatchbayError) -> PortBridgeControls? {
        try await kernel { session throws(NetlinkError) -> PortBridgeControls? in
            guard let port = try session.link(index: index)?.bridgePort else { return nil }
            return PortBridgeControls(isolated: port.isolated, learning: port.learning, priority: port.priority.map(Int.init),
                                      cost: port.cost.map(Int.init))
        }
    }

    public func fdb(ofBridge bridgeIndex: Int32) async throws(PatchbayError) -> [KernelFDBEntry] {
        try await kernel { session throws(NetlinkError) in
            try session.fdb(bridgeIndex: bridgeIndex).map { e in
                KernelFDBEntry(mac: e.mac, vlan: e.vlan.map(Int.init), interfaceIndex: e.interfaceIndex,
                               state: e.isLearned ? "learned" : e.stateName, master: !e.isSelf,
                               updatedSeconds: e.updatedCentiseconds.map { Int($0) / 100 },
                               usedSeconds: e.usedCentiseconds.map { Int($0) / 100 })
            }
        }
    }

    public func addStaticFDBEntry(_ mac: MACAddress, vlan: Int?, portIndex: Int32) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in
            try session.addStaticFDBEntry(mac, portIndex: portIndex, vlan: vlan.map { UInt16($0) })
        }
    }

    public func deleteFDBEntry(_ mac: MACAddress, vlan: Int?, portIndex: Int32) async throws(PatchbayError) {
        try await kernel { session throws(NetlinkError) in
            try session.deleteFDBEntry(mac, portIndex: portIndex, vlan: vlan.map { UInt16($0) })
        }
    }
}
