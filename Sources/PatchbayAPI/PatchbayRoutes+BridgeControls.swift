import HTTPTypes
import Hummingbird
import PatchbayEngine
import PatchbayModel

extension PatchbayRoutes {
    /// The Linux bridge controls of networks Patchbay owns: the bridge's STP values and ageing,
    /// a port's flags, and the forwarding database.
    static func bridgeControlRoutes(_ engine: NetworkEngine) -> [APIRoute] {
        [
            APIRoute(.get, "/v1/networks/{name}/bridge") { _, context in
                try JSONBody.response(try await engine.bridgeControls(network: try name(context)))
            },
            APIRoute(.put, "/v1/networks/{name}/bridge") { request, context in
                let body = try await JSONBody.decode(BridgeControlsRequest.self, from: request)
                return try JSONBody.response(try await engine.setBridgeControls(network: try name(context), body.controls))
            },
            APIRoute(.put, "/v1/networks/{name}/ports/{uuid}/bridge") { request, context in
                let body = try await JSONBody.decode(PortBridgeControlsRequest.self, from: request)
                return try JSONBody.response(try await engine.setPortBridgeControls(network: try name(context), port: try parameter(context, "uuid"),
                                                                                    body.controls))
            },
            APIRoute(.get, "/v1/networks/{name}/fdb") { _, context in
                try JSONBody.response(try await engine.forwardingDatabase(network: try name(context)))
            },
            APIRoute(.post, "/v1/networks/{name}/fdb") { request, context in
                let body = try await JSONBody.decode(FDBEntryRequest.self, from: request)
                let network = try name(context)
                try await engine.addStaticFDBEntry(network: network, body)
                return try JSONBody.response(try await engine.forwardingDatabase(network: network), status: .created)
            },
            APIRoute(.post, "/v1/networks/{name}/fdb/delete") { request, context in
                let body = try await JSONBody.decode(FDBEntryRequest.self, from: request)
                let network = try name(context)
                try await engine.deleteFDBEntry(network: network, body)
                return try JSONBody.response(try await engine.forwardingDatabase(network: network))
            },
        ]
    }
}
