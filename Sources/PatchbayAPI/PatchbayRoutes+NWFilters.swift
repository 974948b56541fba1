import HTTPTypes
import Hummingbird
import PatchbayEngine
import PatchbayModel

extension PatchbayRoutes {
    /// libvirt's nwfilter API: filters (`nwfilter-*`) and their bindings to port devices
    /// (`nwfilter-binding-*`).
    static func nwfilterRoutes(_ engine: NetworkEngine) -> [APIRoute] {
        [
            APIRoute(.get, "/v1/nwfilters") { _, _ in
                try JSONBody.response(try await engine.nwfilters())
            },
            APIRoute(.post, "/v1/nwfilters") { request, _ in
                let body = try await JSONBody.decode(NWFilterXMLRequest.self, from: request)
                let definition = try await engine.defineNWFilter(xml: body.xml)
                guard let summary = try await engine.nwfilters().first(where: { $0.name == definition.name }) else {
                    throw PatchbayError(.internal, "filter '\(definition.name)' was defined but is not listed")
                }
                return try JSONBody.response(summary, status: .created)
            },
            APIRoute(.get, "/v1/nwfilters/{filter}/xml") { _, context in
                try JSONBody.response(NetworkXMLResponse(xml: try await engine.nwfilterXML(name: try parameter(context, "filter"))))
            },
            APIRoute(.delete, "/v1/nwfilters/{filter}") { _, context in
                try await engine.undefineNWFilter(name: try parameter(context, "filter"))
                return Response(status: .noContent)
            },
            APIRoute(.get, "/v1/nwfilter-bindings") { _, _ in
                try JSONBody.response(try await engine.nwfilterBindings())
            },
            APIRoute(.post, "/v1/nwfilter-bindings") { request, _ in
                let body = try await JSONBody.decode(NWFilterXMLRequest.self, from: request)
                return try JSONBody.response(try await engine.createNWFilterBinding(xml: body.xml), status: .created)
            },
            APIRoute(.get, "/v1/nwfilter-bindings/{device}/xml") { _, context in
                try JSONBody.response(NetworkXMLResponse(xml: try await engine.nwfilterBindingXML(device: try parameter(context, "device"))))
            },
            APIRoute(.get, "/v1/nwfilter-bindings/{device}/stats") { _, context in
                try JSONBody.response(try await engine.nwfilterBindingStatistics(device: try parameter(context, "device")))
            },
            APIRoute(.delete, "/v1/nwfilter-bindings/{device}") { _, context in
                try await engine.deleteNWFilterBinding(device: try parameter(context, "device"))
                return Response(status: .noContent)
            },
        ]
    }
}
