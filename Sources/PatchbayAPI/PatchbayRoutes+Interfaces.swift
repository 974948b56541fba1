import HTTPTypes
import Hummingbird
import PatchbayEngine
import PatchbayModel

extension PatchbayRoutes {
    /// `iface-bridge` and `iface-unbridge`. Without an implementation (tests of the table) they
    /// answer 503.
    static func interfaceRoutes(_ interfaces: (any InterfaceBridging)?) -> [APIRoute] {
        @Sendable func require() throws -> any InterfaceBridging {
            guard let interfaces else { throw PatchbayError(.unavailable, "this daemon does not manage host interfaces") }
            return interfaces
        }
        return [
            APIRoute(.post, "/v1/interfaces/bridges") { request, _ in
                let body = try await JSONBody.decode(InterfaceBridgeRequest.self, from: request)
                return try JSONBody.response(try await require().bridge(body), status: .created)
            },
            APIRoute(.delete, "/v1/interfaces/bridges/{name}") { _, context in
                guard let name = context.parameters.get("name") else {
                    throw PatchbayError(.invalidArgument, "missing bridge name in the path")
                }
                return try JSONBody.response(try await require().unbridge(bridge: name.removingPercentEncoding ?? name))
            },
        ]
    }
}
