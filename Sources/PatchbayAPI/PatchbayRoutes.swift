import HTTPTypes
import Hummingbird
import PatchbayEngine
import PatchbayModel

/// The daemon's HTTP API, every route in one table (documented in openapi.json next to this file).
public enum PatchbayRoutes {
    public static func table(engine: NetworkEngine, interfaces: (any InterfaceBridging)? = nil,
                             dpdk: DPDKCheckSources? = nil, metrics: APIMetrics = APIMetrics(),
                             capture: (any PacketCapturing)? = nil, bench: (any NetworkBenchmarking)? = nil,
                             tuning: (any HostTuning)? = nil) -> [APIRoute] {
        [
            // Prometheus's text format, for a scrape over the socket (or --metrics-listen).
            APIRoute(.get, "/metrics") { _, _ in await metrics.response(engine: engine) },
            APIRoute(.get, "/v1/health") { _, _ in
                try JSONBody.response(HealthResponse(status: "ok", version: PatchbayVersion.current))
            },
            APIRoute(.get, "/v1/networks") { _, _ in
                try JSONBody.response(try await engine.list())
            },
            APIRoute(.post, "/v1/networks") { request, _ in
                let body = try await JSONBody.decode(DefineNetworkRequest.self, from: request)
                return try JSONBody.response(try await engine.define(xml: body.xml), status: .created)
            },
            APIRoute(.get, "/v1/networks/{name}") { _, context in
                try JSONBody.response(try await engine.info(try name(context)))
            },
            APIRoute(.delete, "/v1/networks/{name}") { _, context in
                try await engine.undefine(try name(context))
                return Response(status: .noContent)
            },
            APIRoute(.post, "/v1/networks/{name}/start") { _, context in
                try JSONBody.response(try await engine.start(try name(context)))
            },
            APIRoute(.post, "/v1/networks/{name}/destroy") { _, context in
                if let summary = try await engine.destroy(try name(context)) {
                    return try JSONBody.response(summary)
                }
                return Response(status: .noContent)
            },
            APIRoute(.put, "/v1/networks/{name}/autostart") { request, context in
                let body = try await JSONBody.decode(AutostartRequest.self, from: request)
                return try JSONBody.response(try await engine.setAutostart(try name(context), body.autostart))
            },
            APIRoute(.post, "/v1/networks/{name}/update") { request, context in
                let body = try await JSONBody.decode(NetworkUpdateRequest.self, from: request)
                return try JSONBody.response(try await engine.update(try name(context), body))
            },
            APIRoute(.get, "/v1/networks/{name}/dhcp-leases") { request, context in
                var mac: MACAddress?
                let macs = request.uri.queryParameters.getAll("mac")
                guard macs.count <= 1 else { throw PatchbayError(.invalidArgument, "the query parameter 'mac' is given \(macs.count) times") }
                if let text = macs.first.map({ $0.removingPercentEncoding ?? $0 }) {
                    guard let parsed = MACAddress(text) else {
                        throw PatchbayError(.invalidArgument, "'\(text)' is not a MAC address")
                    }
                    mac = parsed
                }
                return try JSONBody.response(try await engine.leases(try name(context), mac: mac))
            },
            APIRoute(.get, "/v1/networks/{name}/port-forwards") { _, context in
                try JSONBody.response(try await engine.portForwards(try name(context)))
            },
            APIRoute(.post, "/v1/networks/{name}/port-forwards") { request, context in
                var forward = try await JSONBody.decode(PortForward.self, from: request)
                forward.network = try name(context)
                return try JSONBody.response(try await engine.addPortForward(forward), status: .created)
            },
            APIRoute(.delete, "/v1/networks/{name}/port-forwards/{proto}/{port}") { _, context in
                guard let proto = context.parameters.get("proto").flatMap(PortForward.TransportProtocol.init(rawValue:)) else {
                    throw PatchbayError(.invalidArgument, "the protocol in the path must be tcp or udp")
                }
                guard let port = context.parameters.get("port").flatMap(UInt16.init) else {
                    throw PatchbayError(.invalidArgument, "the host port in the path must be a number from 1 to 65535")
                }
                return try JSONBody.response(try await engine.deletePortForward(network: try name(context), transport: proto, hostPort: port))
            },
            APIRoute(.get, "/v1/networks/{name}/flows") { _, context in
                try JSONBody.response(try await engine.flows(network: try name(context)))
            },
            APIRoute(.get, "/v1/networks/{name}/ports") { _, context in
                try JSONBody.response(try await engine.ports(network: try name(context)))
            },
            APIRoute(.post, "/v1/networks/{name}/ports") { request, context in
                let body = try await JSONBody.decode(CreatePortRequest.self, from: request)
                return try JSONBody.response(try await engine.createPort(network: try name(context), body), status: .created)
            },
            APIRoute(.get, "/v1/networks/{name}/ports/{uuid}/xml") { _, context in
                try JSONBody.response(NetworkXMLResponse(xml: try await engine.portXML(network: try name(context), uuid: try uuid(context))))
            },
            // libvirt's virNetworkPortSetParameters: the port's rates, changed live.
            APIRoute(.put, "/v1/networks/{name}/ports/{uuid}/bandwidth") { request, context in
                let body = try await JSONBody.decode(BandwidthDefinition.self, from: request)
                return try JSONBody.response(try await engine.setPortBandwidth(network: try name(context), uuid: try uuid(context), body))
            },
            APIRoute(.delete, "/v1/networks/{name}/ports/{uuid}") { _, context in
                try await engine.deletePort(network: try name(context), uuid: try uuid(context))
                return Response(status: .noContent)
            },
            APIRoute(.get, "/v1/domains/{owner}/interfaces") { _, context in
                try JSONBody.response(try await engine.interfaces(owner: try parameter(context, "owner")))
            },
            APIRoute(.get, "/v1/domains/{owner}/interfaces/{interface}/stats") { _, context in
                try JSONBody.response(try await engine.interfaceStatistics(owner: try parameter(context, "owner"),
                                                                           interface: try parameter(context, "interface")))
            },
            APIRoute(.get, "/v1/networks/{name}/xml") { request, context in
                let inactive = try boolean(request, "inactive")
                return try JSONBody.response(NetworkXMLResponse(xml: try await engine.xml(try name(context), inactive: inactive)))
            },
        ] + interfaceRoutes(interfaces) + bridgeControlRoutes(engine) + dpdkRoutes(dpdk) + nwfilterRoutes(engine) + aclRoutes(engine)
            + eventRoutes(engine) + doctorRoutes(engine)
            + captureRoutes(engine, capture)
            + benchRoutes(engine, bench: bench, tuning: tuning)
            + statsRoutes(engine, metrics)
    }

    public static func router(engine: NetworkEngine, interfaces: (any InterfaceBridging)? = nil,
                              dpdk: DPDKCheckSources? = nil, metrics: APIMetrics = APIMetrics(),
                              capture: (any PacketCapturing)? = nil, bench: (any NetworkBenchmarking)? = nil,
                              tuning: (any HostTuning)? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        let routes = table(engine: engine, interfaces: interfaces, dpdk: dpdk, metrics: metrics, capture: capture,
                           bench: bench, tuning: tuning)
        router.add(middleware: APIMetricsMiddleware(metrics: metrics))
        router.add(middleware: MethodNotAllowedMiddleware(routes))
        for route in routes {
            router.on(RouterPath(route.routerPath), method: route.method, use: route.handler)
        }
        return router
    }

    /// A boolean query parameter: absent is false; `true`/`false` (or 1/0) once, nothing else.
    private static func boolean(_ request: Request, _ key: String) throws -> Bool {
        let values = request.uri.queryParameters.getAll(key)
        guard values.count <= 1 else { throw PatchbayError(.invalidArgument, "the query parameter '\(key)' is given \(values.count) times") }
        switch values.first {
        case nil, "false"?, "0"?: return false
        case "true"?, "1"?: return true
        case let other?: throw PatchbayError(.invalidArgument, "the query parameter '\(key)' must be true or false, not '\(other)'")
        }
    }

    private static func uuid(_ context: BasicRequestContext) throws -> NetworkUUID {
        let text = try parameter(context, "uuid")
        guard let uuid = NetworkUUID(text) else { throw PatchbayError(.invalidArgument, "'\(text)' is not a UUID") }
        return uuid
    }

    static func parameter(_ context: BasicRequestContext, _ key: String) throws -> String {
        guard let value = context.parameters.get(key) else {
            throw PatchbayError(.invalidArgument, "missing \(key) in the path")
        }
        return value.removingPercentEncoding ?? value
    }

    static func name(_ context: BasicRequestContext) throws -> String {
        guard let name = context.parameters.get("name") else {
            throw PatchbayError(.invalidArgument, "missing network name in the path")
        }
        return name.removingPercentEncoding ?? name
    }
}
