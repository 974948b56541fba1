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

    static func decode<T: Codable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maximumBody) } catch {
            throw PatchbayError(.invalidArgument, "the request body is larger than \(maximumBody) bytes")
        }
        let bytes = Array(buffer.readableBytesView)
        let value: T
        do {
            value = try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw PatchbayError(.invalidArgument, "request body is not a valid \(T.self)", cause: "\(error)")
        }
        // Foundation reads 0.5 or 1e3 into an Int without a word. Where the request put such a
        // number and the value read holds an integer, the request is refused, naming it
        // (properties the type does not know are not looked at).
        if let written = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
           let encoded = try? JSONEncoder().encode(value),
           let read = try? JSONSerialization.jsonObject(with: encoded, options: [.fragmentsAllowed]),
           let mismatch = integerMismatch(written, read, path: "") {
            throw PatchbayError(.invalidArgument, "request body is not a valid \(T.self): \(mismatch) is not an integer")
        }
        return value
    }

    /// The first place where `written` has a number with a fraction or an exponent and `read`
    /// (the decoded value, encoded again) an integer, as "path: number".
    static func integerMismatch(_ written: Any, _ read: Any, path: String) -> String? {
        if let w = written as? [String: Any], let r = read as? [String: Any] {
            for key in r.keys.sorted() {
                if let wv = w[key], let m = integerMismatch(wv, r[key]!, path: path.isEmpty ? key : path + "." + key) { return m }
            }
            return nil
        }
        if let w = written as? [Any], let r = read as? [Any], w.count == r.count {
            for (index, pair) in zip(w, r).enumerated() {
                if let m = integerMismatch(pair.0, pair.1, path: "\(path)[\(index)]") { return m }
            }
            return nil
        }
        if let w = written as? NSNumber, let r = read as? NSNumber, isFloat(w), !isFloat(r) {
            return "\(path.isEmpty ? "the body" : path): \(w)"
        }
        return nil
    }

    static func isFloat(_ number: NSNumber) -> Bool {
        let type = String(cString: number.objCType)
        return type == "d" || type == "f"
    }
}
