import Foundation
import HTTPTypes
import Hummingbird
import PatchbayModel

/// Lets handlers throw `PatchbayError` and have Hummingbird answer with its status and a JSON
/// `ErrorResponse` body, which the CLI turns back into the same error.
extension PatchbayError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONBody.response(ErrorResponse(error: self), status: status)
    }
}

/// JSON in and out, with errors that name what was wrong in the request body.
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw PatchbayError(.invalidArgument, "request body is not a valid \(T.self)", cause: "\(error)")
        }
    }
}
