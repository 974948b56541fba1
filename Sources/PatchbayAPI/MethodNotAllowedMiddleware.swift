import HTTPTypes
import Hummingbird
import PatchbayModel

/// RFC 9110 §15.5.6: a request for a path the API serves, with a method it does not serve there,
/// is answered 405 with an `Allow` header listing the methods that are, not 404 as for a path
/// that does not exist.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's path split into segments; `nil` stands for a parameter.
    let routes: [(method: HTTPRequest.Method, segments: [String?])]

    init(_ table: [APIRoute]) {
        routes = table.map { route in
            (route.method, route.path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? nil : String(segment)
            })
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = methods(for: request.uri.path)
            guard !allowed.isEmpty else { throw error }
            let message = "\(request.method.rawValue) is not served on \(request.uri.path); it answers \(allowed.joined(separator: ", "))"
            var response = try JSONBody.response(ErrorResponse(error: PatchbayError(.operationInvalid, message)), status: .methodNotAllowed)
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }

    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let matching = routes.filter { route in
            route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { pattern, segment in
                pattern.map { $0 == segment } ?? !segment.isEmpty
            }
        }
        return Array(Set(matching.map(\.method.rawValue))).sorted()
    }
}
