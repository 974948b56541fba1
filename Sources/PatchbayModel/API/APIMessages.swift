/// Request and response bodies of the daemon's HTTP API (see Sources/PatchbayAPI/openapi.json).

/// Body of `POST /v1/networks` (net-define).
public struct DefineNetworkRequest: Sendable, Hashable, Codable {
    public var xml: String
    public init(xml: String) { self.xml = xml }
}

/// Body of `PUT /v1/networks/{name}/autostart`.
public struct AutostartRequest: Sendable, Hashable, Codable {
    public var autostart: Bool
    public init(autostart: Bool) { self.autostart = autostart }
}

/// Response of `GET /v1/networks/{name}/xml`.
public struct NetworkXMLResponse: Sendable, Hashable, Codable {
    public var xml: String
    public init(xml: String) { self.xml = xml }
}

/// Response of `GET /v1/health`.
public struct HealthResponse: Sendable, Hashable, Codable {
    public var status: String
    public var version: String
    public init(status: String, version: String) {
        self.status = status
        self.version = version
    }
}

/// The body of every non-2xx response.
public struct ErrorResponse: Sendable, Hashable, Codable {
    public var error: PatchbayError
    public init(error: PatchbayError) { self.error = error }
}

public enum PatchbayVersion {
    public static let current = "0.1.0"
}
