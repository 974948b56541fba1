import Netlink
import NetlinkWire
import PatchbayEngine
import PatchbayModel

extension KernelLinks {
    /// Equivalent to `ip -s -d link show`: ONE dump of every link, each entry with its
    /// counters (IFLA_STATS64) and, for a bridge port, its state (IFLA_INFO_SLAVE_DATA), so a
    /// sample of every port costs one round trip whatever the number of ports.
    public func linkCounters() async throws(PatchbayError) -> [LinkCounters] {
        try await kernel { session throws(NetlinkError) in
            try session.links().map { link in
                LinkCounters(link: Self.snapshot(link), guestStatistics: link.statistics.map { Self.guestSide(link.name, $0) },
                             bridgePort: link.bridgePortStatus?.port)
            }
        }
    }

    /// The guest's view of a host device's counters: what the host end sends, the guest
    /// receives (virsh domifstat swaps them likewise).
    static func guestSide(_ name: String, _ stats: LinkStatistics) -> InterfaceStatistics {
        InterfaceStatistics(interface: name, rxBytes: stats.txBytes, rxPackets: stats.txPackets,
                            rxErrs: stats.txErrors, rxDrop: stats.txDropped, txBytes: stats.rxBytes,
                            txPackets: stats.rxPackets, txErrs: stats.rxErrors, txDrop: stats.rxDropped)
    }
}
