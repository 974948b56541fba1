import Foundation
import HTTPTypes
import Hummingbird
import LibvirtXML
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

    /// The largest body a request may have: a network definition of the XML parser's maximum
    /// size, escaped into JSON, with room to spare. A larger one is refused before it is read.
    static let maximumBody = (XMLTreeParser.maximumLength * 2) + (64 << 10)

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maximumBody) } catch {
            throw PatchbayError(.invalidArgument, "the request body is larger than \(maximumBody) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw PatchbayError(.invalidArgument, "request body is not a valid \(T.self)", cause: "\(error)")
        }
    }
}
