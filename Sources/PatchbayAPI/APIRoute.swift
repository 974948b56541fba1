import HTTPTypes
import Hummingbird

/// One route of the daemon's API. The routes are a table rather than scattered `router.get`
/// calls so that a test can hold the table against openapi.yaml: a route cannot be added without
/// being documented, nor documented without existing.
public struct APIRoute: Sendable {
    public var method: HTTPRequest.Method
    /// In OpenAPI syntax, e.g. `/v1/networks/{name}`.
    public var path: String
    public var handler: @Sendable (Request, BasicRequestContext) async throws -> Response

    public init(_ method: HTTPRequest.Method, _ path: String,
                _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response) {
        self.method = method
        self.path = path
        self.handler = handler
    }

    /// The same path in Hummingbird's router syntax (`/v1/networks/:name`).
    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }
}
