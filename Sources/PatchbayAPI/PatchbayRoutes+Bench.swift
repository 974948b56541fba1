import Hummingbird
import PatchbayEngine
import PatchbayModel

extension PatchbayRoutes {
    /// `patchbay bench` and `patchbay tune`. A bench answers when its three measurements are
    /// done (at most three times its bounded duration); its temporary namespaces and ports are
    /// gone by then, and also when the client left meanwhile (the engine runs it in a task the
    /// request's cancellation does not reach). The body is checked before anything else, so
    /// bad input is a 400 on any daemon.
    static func benchRoutes(_ engine: NetworkEngine, bench: (any NetworkBenchmarking)?, tuning: (any HostTuning)?) -> [APIRoute] {
        [
            APIRoute(.post, "/v1/networks/{name}/bench") { request, context in
                let body = try await JSONBody.decode(BenchRequest.self, from: request).validated()
                let network = try name(context)
                guard let bench else { throw PatchbayError(.unavailable, "this daemon does not run benchmarks") }
                return try JSONBody.response(try await engine.bench(network: network, body, using: bench))
            },
            APIRoute(.get, "/v1/tune") { _, _ in
                try JSONBody.response(try await engine.tune(.check, using: try requireTuning(tuning)))
            },
            APIRoute(.post, "/v1/tune/apply") { _, _ in
                try JSONBody.response(try await engine.tune(.apply, using: try requireTuning(tuning)))
            },
            APIRoute(.post, "/v1/tune/undo") { _, _ in
                try JSONBody.response(try await engine.tune(.undo, using: try requireTuning(tuning)))
            },
        ]
    }

    private static func requireTuning(_ tuning: (any HostTuning)?) throws(PatchbayError) -> any HostTuning {
        guard let tuning else { throw PatchbayError(.unavailable, "this daemon does not tune the host") }
        return tuning
    }
}
