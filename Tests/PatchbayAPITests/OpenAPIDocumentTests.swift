import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NFTables
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
        NetworkEngine(store: InMemoryStore(), links: NoKernel(), firewall: NoFirewall(), logger: Logger(label: "test"))
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
                var uri = route.path.replacingOccurrences(of: "{name}", with: "nosuch")
                // A stream ends only when asked to.
                if route.path == "/v1/events/stream" { uri += "?timeout=0.1" }
                if route.path == "/v1/stats/stream" { uri += "?count=1" }
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
            // Foundation reads 0.0 into an Int; the API's numbers are all integers, so it is refused.
            try await client.execute(uri: "/v1/networks/lab/bridge", method: .put, body: ByteBuffer(string: #"{"controls":{"priority":0.0,"note":"1.5"},"extra":{"x":-1.1}}"#)) { response in
                #expect(response.status == .badRequest)
                let error = try JSONDecoder().decode(ErrorResponse.self, from: Data(response.body.readableBytesView))
                #expect(error.error.message.hasSuffix("controls.priority: 0.0 is not an integer"), "\(error.error.message)")
            }
        }
    }
}

/// The API tests never reach a start, so the kernel is never asked for anything but names.
struct NoKernel: LinkManaging {
    private var unused: PatchbayError { PatchbayError(.internal, "the API tests do not touch the kernel") }
    func links() async throws(PatchbayError) -> [LinkSnapshot] { [] }
    func link(named name: String) async throws(PatchbayError) -> LinkSnapshot? { nil }
    func link(index: Int32) async throws(PatchbayError) -> LinkSnapshot? { nil }
    func createBridge(name: String, mac: MACAddress?, mtu: Int?, stp: Bool, delaySeconds: Int) async throws(PatchbayError) -> LinkSnapshot { throw unused }
    func setBridgeOptions(index: Int32, stp: Bool, delaySeconds: Int) async throws(PatchbayError) { throw unused }
    func enableDisabledPorts(ofBridge index: Int32) async throws(PatchbayError) -> [String] { throw unused }
    func disableTxChecksumOffload(named name: String) async throws(PatchbayError) { throw unused }
    func disableTxChecksumOffload(named name: String, namespace: String) async throws(PatchbayError) { throw unused }
    func setAlias(index: Int32, _ alias: String) async throws(PatchbayError) { throw unused }
    func rename(index: Int32, to name: String) async throws(PatchbayError) { throw unused }
    func setMTU(index: Int32, _ mtu: Int) async throws(PatchbayError) { throw unused }
    func setMAC(index: Int32, _ mac: MACAddress) async throws(PatchbayError) { throw unused }
    func setLinkUp(index: Int32, _ up: Bool) async throws(PatchbayError) { throw unused }
    func setMaster(index: Int32, masterIndex: Int32) async throws(PatchbayError) { throw unused }
    func deleteLink(index: Int32) async throws(PatchbayError) { throw unused }
    func addAddress(_ address: InterfaceAddress, index: Int32) async throws(PatchbayError) { throw unused }
    func deleteAddress(_ address: InterfaceAddress, index: Int32) async throws(PatchbayError) { throw unused }
    func addresses(index: Int32) async throws(PatchbayError) -> [InterfaceAddress] { [] }
    func createTap(name: String, multiQueue: Bool, owner: UInt32?, group: UInt32?) async throws(PatchbayError) -> LinkSnapshot { throw unused }
    func createVeth(name: String, peer: String, peerMAC: MACAddress, namespace: String) async throws(PatchbayError) -> LinkSnapshot { throw unused }
    func namespaceExists(_ name: String) async -> Bool { false }
    func createMacvtap(name: String, lowerIndex: Int32, mode: NetworkPortDefinition.DirectMode, mac: MACAddress) async throws(PatchbayError) -> LinkSnapshot { throw unused }
    func processStartTime(_ pid: Int32) async -> UInt64? { nil }
    func bridgeVLANFiltering(index: Int32) async throws(PatchbayError) -> Bool? { throw unused }
    func setBridgeVLANs(portIndex: Int32, _ entries: [BridgeVLANEntry]) async throws(PatchbayError) { throw unused }
    func bridgePorts(ofBridge bridgeIndex: Int32) async throws(PatchbayError) -> [BridgePortStatus] { [] }
    func guestStatistics(index: Int32) async throws(PatchbayError) -> InterfaceStatistics? { nil }
}

struct NoFirewall: FirewallApplying {
    func apply(_ state: FirewallState) async throws(PatchbayError) {}
    func restore(_ state: FirewallState) async throws(PatchbayError) -> Bool { false }
    func enableForwarding(ipv6: Bool) async throws(PatchbayError) {}
}
