import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PatchbayAPI
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Testing

/// Holds Sources/PatchbayAPI/openapi.json against the routes the daemon really serves.
@Suite struct OpenAPIDocumentTests {
    static var document: [String: Any] {
        get throws {
            var url = URL(fileURLWithPath: #filePath)
            while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                url.deleteLastPathComponent()
            }
            let data = try Data(contentsOf: url.appendingPathComponent("Sources/PatchbayAPI/openapi.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
    }

    static func documentedOperations() throws -> [String: [String: Any]] {
        let paths = try #require(try document["paths"] as? [String: [String: Any]])
        var operations: [String: [String: Any]] = [:]
        for (path, item) in paths {
            for (method, operation) in item where ["get", "put", "post", "delete", "patch"].contains(method) {
                operations["\(method.uppercased()) \(path)"] = operation as? [String: Any]
            }
        }
        return operations
    }

    static func engine() -> NetworkEngine {
        NetworkEngine(store: InMemoryNetworkStore(), links: NoKernel(), logger: Logger(label: "test"))
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        let served = Set(PatchbayRoutes.table(engine: Self.engine()).map { "\($0.method.rawValue) \($0.path)" })
        let documented = Set(try Self.documentedOperations().keys)
        #expect(served.subtracting(documented).isEmpty, "undocumented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
    }

    /// Every route of the table answers through the real router (no routing 404), with a status
    /// its operation documents.
    @Test func everyRouteAnswersWithADocumentedStatus() async throws {
        let engine = Self.engine()
        // Documented statuses per "METHOD /path", extracted up front: the JSON objects are not Sendable.
        let statuses: [String: Set<String>] = try Self.documentedOperations().mapValues { operation in
            Set((operation["responses"] as? [String: Any])?.keys.map { $0 } ?? [])
        }
        let app = Application(router: PatchbayRoutes.router(engine: engine))
        try await app.test(.router) { client in
            for route in PatchbayRoutes.table(engine: engine) {
                let uri = route.path.replacingOccurrences(of: "{name}", with: "nosuch")
                var body: ByteBuffer?
                if route.path.hasSuffix("/autostart") { body = ByteBuffer(string: #"{"autostart":true}"#) }
                if route.method == .post && route.path == "/v1/networks" {
                    body = ByteBuffer(string: #"{"xml":"<network><name>x</name></network>"}"#)
                }
                try await client.execute(uri: uri, method: route.method, body: body) { response in
                    #expect(statuses["\(route.method.rawValue) \(route.path)"]?.contains(String(response.status.code)) == true,
                            "\(route.method) \(uri) answered \(response.status.code)")
                    if response.status.code >= 400 {
                        let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(response.body.readableBytesView))
                        #expect(!error.error.message.isEmpty)
                    }
                }
            }
        }
    }

    @Test func malformedBodiesAreAnsweredWith400AndAReason() async throws {
        let app = Application(router: PatchbayRoutes.router(engine: Self.engine()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/networks", method: .post, body: ByteBuffer(string: "{")) { response in
                #expect(response.status == .badRequest)
                let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(response.body.readableBytesView))
                #expect(error.error.code == .invalidArgument)
                #expect(error.error.message == "request body is not a valid DefineNetworkRequest")
            }
        }
    }
}

/// The API tests never reach a start, so the kernel is never asked for anything but names.
struct NoKernel: LinkManaging {
    func link(named name: String) throws(PatchbayError) -> LinkSnapshot? { nil }
    func linkNames() throws(PatchbayError) -> Set<String> { [] }
    func createBridge(name: String, mac: MACAddress?, mtu: Int?, stp: Bool, delaySeconds: Int) throws(PatchbayError) { throw unused }
    func setBridgeOptions(name: String, stp: Bool, delaySeconds: Int) throws(PatchbayError) { throw unused }
    func enableDisabledPorts(ofBridge name: String) throws(PatchbayError) -> [String] { throw unused }
    func setMTU(named name: String, _ mtu: Int) throws(PatchbayError) { throw unused }
    func setLinkUp(named name: String, _ up: Bool) throws(PatchbayError) { throw unused }
    func deleteLink(named name: String) throws(PatchbayError) { throw unused }
    func disableTxChecksumOffload(named name: String) throws(PatchbayError) { throw unused }
    func addAddress(_ address: InterfaceAddress, to name: String) throws(PatchbayError) { throw unused }
    func deleteAddress(_ address: InterfaceAddress, from name: String) throws(PatchbayError) { throw unused }
    func addresses(of name: String) throws(PatchbayError) -> [InterfaceAddress] { [] }
    private var unused: PatchbayError { PatchbayError(.internal, "the API tests do not touch the kernel") }
}
