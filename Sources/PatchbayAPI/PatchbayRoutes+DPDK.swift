import HTTPTypes
import Hummingbird
import PatchbayEngine
import PatchbayModel

/// Where `dpdk-check` gets its facts: the host's (patchbayd passes `DPDKHostReader.facts`) and
/// Open vSwitch's `Open_vSwitch` row.
public struct DPDKCheckSources: Sendable {
    public var host: @Sendable () async -> DPDKHostFacts
    /// patchbayd passes `DPDKCheckSources.openVSwitch(from:)` over its `OVSManaging`; the
    /// default reports Open vSwitch as not configured.
    public var openVSwitch: @Sendable () async -> OVSReachability

    public init(host: @escaping @Sendable () async -> DPDKHostFacts,
                openVSwitch: @escaping @Sendable () async -> OVSReachability = { .notConfigured }) {
        self.host = host
        self.openVSwitch = openVSwitch
    }

    /// Asks `ovs` for its `Open_vSwitch` row; any error (ovsdb-server down, an answer that is not
    /// OVSDB) is "unreachable" with the error's message, which names the socket.
    public static func openVSwitch(from ovs: any OVSManaging) -> @Sendable () async -> OVSReachability {
        {
            do throws(PatchbayError) { return .reachable(try await ovs.system()) } catch { return .unreachable(error.description) }
        }
    }
}

extension PatchbayRoutes {
    /// `dpdk-check`: GET /v1/host/dpdk. A daemon given no sources (tests of the table) answers 503.
    static func dpdkRoutes(_ sources: DPDKCheckSources?) -> [APIRoute] {
        [
            APIRoute(.get, "/v1/host/dpdk") { _, _ in
                guard let sources else { throw PatchbayError(.unavailable, "this daemon does not read the host's DPDK facts") }
                async let host = sources.host()
                async let ovs = sources.openVSwitch()
                return try JSONBody.response(DPDKCheck.evaluate(await host, openVSwitch: await ovs))
            },
        ]
    }
}
