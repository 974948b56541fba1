/// The error every layer above the wire code reports: a stable code that the API maps to an HTTP
/// status and the CLI to an exit status, a message written for the person at the terminal, and
/// the lower-level cause (errno text, SQLite message) for the log.
public struct PatchbayError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The request itself is wrong (bad XML, bad name, bad value).
        case invalidArgument = "invalid-argument"
        case notFound = "not-found"
        case alreadyExists = "already-exists"
        /// The object exists but is in the wrong state (starting an active network).
        case operationInvalid = "operation-invalid"
        /// The kernel refused an operation.
        case kernel
        /// The state database failed.
        case storage
        case `internal`
        case unavailable
        /// The caller may not do this (the bridge helper's ACL, a file's owner).
        case permissionDenied = "permission-denied"
        /// Someone else changed the object between this request's read and its write.
        case conflict
    }

    public var code: Code
    public var message: String
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message): \(cause)" }
        return message
    }

    /// The HTTP status the API answers with for this code.
    public var httpStatus: Int {
        switch code {
        case .invalidArgument: 400
        case .notFound: 404
        case .alreadyExists, .operationInvalid, .conflict: 409
        case .permissionDenied: 403
        case .unavailable: 503
        case .kernel, .storage, .internal: 500
        }
    }
}
