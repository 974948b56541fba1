import Foundation
import HTTPTypes
import Hummingbird
import PatchbayEngine
import PatchbayModel

extension PatchbayRoutes {
    /// `patchbay doctor`: the report is the answer (200) whatever it finds; only a network that
    /// does not exist is an error.
    static func doctorRoutes(_ engine: NetworkEngine) -> [APIRoute] {
        [
            APIRoute(.get, "/v1/doctor") { request, _ in
                let networks = request.uri.queryParameters.getAll("network")
                guard networks.count <= 1 else { throw PatchbayError(.invalidArgument, "the query parameter 'network' is given \(networks.count) times") }
                let network = networks.first.map { $0.removingPercentEncoding ?? $0 }
                return try JSONBody.response(try await engine.doctor(network: network, now: Int64(Date().timeIntervalSince1970 * 1000)))
            },
        ]
    }
}
