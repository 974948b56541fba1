import Glibc
import Netlink
import NetlinkWire
import PatchbayEngine
import PatchbayIO
import PatchbayModel

/// `BridgeVLANProgramming` on Patchbay's rtnetlink code, on a thread of its own.
public final class KernelBridgeVLANs: BridgeVLANProgramming {
    private let session: NetlinkSession
    private let thread: IOThread

    public init(session: NetlinkSession, thread: IOThread = IOThread(name: "patchbay-bridge-vlan")) {
        self.session = session
        self.thread = thread
    }

    /// The text for a kernel without bridge VLAN filtering.
    public static func unsupportedText(bridge: String) -> String {
        "the kernel cannot filter VLANs on bridge \(bridge): it was built without CONFIG_BRIDGE_VLAN_FILTERING (setting vlan_filtering fails with EOPNOTSUPP), so <vlan> cannot be applied on a Linux bridge here; use a kernel with CONFIG_BRIDGE_VLAN_FILTERING=y, or Open vSwitch"
    }

    /// Writes the bridge's current vlan_filtering value back (`ip link set dev BR type bridge
    /// vlan_filtering V`): a no-op where the kernel has CONFIG_BRIDGE_VLAN_FILTERING, EOPNOTSUPP
    /// where it has not (br_vlan_filter_toggle's stub), whatever the value.
    public func vlanFilteringSupport(bridgeIndex: Int32) async throws(PatchbayError) -> BridgeVLANSupport {
        let session = self.session
        return try await thread.run { () throws(PatchbayError) -> BridgeVLANSupport in
            guard let bridge = try translatingKernelErrors({ () throws(NetlinkError) -> Link? in try session.link(index: bridgeIndex) }),
                  bridge.kind == "bridge" else {
                throw PatchbayError(.notFound, "no bridge with interface index \(bridgeIndex) to check for VLAN filtering")
            }
            let current = bridge.bridge?.vlanFiltering ?? false
            do {
                try session.execute(BridgeVLANRequest.setVLANFiltering(bridgeIndex: bridgeIndex, current),
                                    operation: "check VLAN filtering on \(bridge.name)")
                return .supported
            } catch where error.errno == EOPNOTSUPP {
                return .unsupported(Self.unsupportedText(bridge: bridge.name))
            } catch {
                throw PatchbayError(error)
            }
        }
    }

    public func enableVLANFiltering(bridgeIndex: Int32) async throws(PatchbayError) {
        let session = self.session
        try await thread.run { () throws(PatchbayError) in
            do {
                try session.execute(BridgeVLANRequest.setVLANFiltering(bridgeIndex: bridgeIndex, true),
                                    operation: "turn VLAN filtering on for interface \(bridgeIndex)")
            } catch where error.errno == EOPNOTSUPP {
                throw PatchbayError(.unavailable, Self.unsupportedText(bridge: "with interface index \(bridgeIndex)"))
            } catch {
                throw PatchbayError(error)
            }
        }
    }

    /// `bridge vlan del dev PORT vid V` for each deletion (a VLAN the port does not have is
    /// fine: ENOENT), then `bridge vlan add dev PORT vid V [pvid] [untagged]` for each entry.
    public func program(portIndex: Int32, plan: BridgeVLANPlan) async throws(PatchbayError) {
        let session = self.session
        try await thread.run { () throws(PatchbayError) in
            do {
                for vid in plan.delete {
                    do {
                        try session.execute(BridgeVLANRequest.delete(portIndex: portIndex, vid: vid),
                                            operation: "delete VLAN \(vid) from interface \(portIndex)")
                    } catch where error.errno == ENOENT {}
                }
                for entry in plan.add {
                    let range = entry.lastVID.map { "-\($0)" } ?? ""
                    try session.execute(BridgeVLANRequest.add(portIndex: portIndex, entry),
                                        operation: "add VLAN \(entry.vid)\(range)\(entry.pvid ? " pvid" : "")\(entry.untagged ? " untagged" : "") to interface \(portIndex)")
                }
            } catch where error.errno == EOPNOTSUPP {
                throw PatchbayError(.unavailable, Self.unsupportedText(bridge: "of interface \(portIndex)"))
            } catch {
                throw PatchbayError(error)
            }
        }
    }
}
