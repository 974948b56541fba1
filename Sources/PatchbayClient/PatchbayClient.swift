import FoundationEssentials
import Glibc

import PatchbayModel

/// The typed client of patchbayd's API that the CLI uses. Every method either returns the
/// decoded answer or throws the daemon's `PatchbayError` unchanged.
public struct PatchbayClient: Sendable {
    public static let defaultSocketPath = "/run/patchbay/patchbay.sock"

    let transport: HTTPUnixTransport

    public init(socketPath: String) {
        transport = HTTPUnixTransport(socketPath: socketPath)
    }

    public var socketPath: String { transport.socketPath }

    public func health() async throws(PatchbayError) -> HealthResponse {
        try await call(.GET, "/v1/health")
    }

    public func listNetworks() async throws(PatchbayError) -> [NetworkSummary] {
        try await call(.GET, "/v1/networks")
    }

    public func defineNetwork(xml: String) async throws(PatchbayError) -> NetworkSummary {
        try await call(.POST, "/v1/networks", body: DefineNetworkRequest(xml: xml))
    }

    public func network(_ name: String) async throws(PatchbayError) -> NetworkSummary {
        try await call(.GET, "/v1/networks/\(escape(name))")
    }

    public func undefineNetwork(_ name: String) async throws(PatchbayError) {
        _ = try await raw(.DELETE, "/v1/networks/\(escape(name))", body: nil)
    }

    public func startNetwork(_ name: String) async throws(PatchbayError) -> NetworkSummary {
        try await call(.POST, "/v1/networks/\(escape(name))/start")
    }

    /// Returns nil when the network was transient and no longer exists.
    public func destroyNetwork(_ name: String) async throws(PatchbayError) -> NetworkSummary? {
        let reply = try await raw(.POST, "/v1/networks/\(escape(name))/destroy", body: nil)
        if reply.status == 204 { return nil }
        return try decode(NetworkSummary.self, reply)
    }

    public func setAutostart(_ name: String, _ enabled: Bool) async throws(PatchbayError) -> NetworkSummary {
        try await call(.PUT, "/v1/networks/\(escape(name))/autostart", body: AutostartRequest(autostart: enabled))
    }

    public func updateNetwork(_ name: String, _ request: NetworkUpdateRequest) async throws(PatchbayError) -> NetworkUpdateResult {
        try await call(.POST, "/v1/networks/\(escape(name))/update", body: request)
    }

    public func dhcpLeases(_ name: String, mac: String? = nil) async throws(PatchbayError) -> [DHCPLeaseInfo] {
        var path = "/v1/networks/\(escape(name))/dhcp-leases"
        if let mac { path += "?mac=\(escape(mac))" }
        return try await call(.GET, path)
    }

    public func portForwards(_ name: String) async throws(PatchbayError) -> [PortForward] {
        try await call(.GET, "/v1/networks/\(escape(name))/port-forwards")
    }

    public func addPortForward(_ forward: PortForward) async throws(PatchbayError) -> PortForward {
        try await call(.POST, "/v1/networks/\(escape(forward.network))/port-forwards", body: forward)
    }

    public func deletePortForward(_ name: String, transport: PortForward.TransportProtocol, hostPort: UInt16) async throws(PatchbayError) -> PortForward {
        try await call(.DELETE, "/v1/networks/\(escape(name))/port-forwards/\(transport.rawValue)/\(hostPort)")
    }

    public func flows(_ name: String) async throws(PatchbayError) -> OVSFlowReport {
        try await call(.GET, "/v1/networks/\(escape(name))/flows")
    }

    public func ports(_ name: String) async throws(PatchbayError) -> [NetworkPort] {
        try await call(.GET, "/v1/networks/\(escape(name))/ports")
    }

    public func createPort(_ name: String, _ request: CreatePortRequest) async throws(PatchbayError) -> NetworkPort {
        try await call(.POST, "/v1/networks/\(escape(name))/ports", body: request)
    }

    public func portXML(_ name: String, uuid: String) async throws(PatchbayError) -> String {
        let response: NetworkXMLResponse = try await call(.GET, "/v1/networks/\(escape(name))/ports/\(escape(uuid))/xml")
        return response.xml
    }

    public func deletePort(_ name: String, uuid: String) async throws(PatchbayError) {
        _ = try await raw(.DELETE, "/v1/networks/\(escape(name))/ports/\(escape(uuid))", body: nil)
    }

    public func bridgeControls(_ name: String) async throws(PatchbayError) -> BridgeControlsInfo {
        try await call(.GET, "/v1/networks/\(escape(name))/bridge")
    }

    public func setBridgeControls(_ name: String, _ controls: BridgeControls) async throws(PatchbayError) -> BridgeControlsInfo {
        try await call(.PUT, "/v1/networks/\(escape(name))/bridge", body: BridgeControlsRequest(controls: controls))
    }

    /// PUT /v1/networks/NAME/ports/UUID/bandwidth (nil clears it).
    public func setPortBandwidth(_ name: String, port: String, _ bandwidth: BandwidthDefinition?) async throws(PatchbayError) -> NetworkPort {
        try await call(.PUT, "/v1/networks/\(escape(name))/ports/\(escape(port))/bandwidth", body: bandwidth ?? BandwidthDefinition())
    }

    public func setPortBridgeControls(_ name: String, port: String, _ controls: PortBridgeControls) async throws(PatchbayError) -> NetworkPort {
        try await call(.PUT, "/v1/networks/\(escape(name))/ports/\(escape(port))/bridge", body: PortBridgeControlsRequest(controls: controls))
    }

    public func forwardingDatabase(_ name: String) async throws(PatchbayError) -> [FDBEntryInfo] {
        try await call(.GET, "/v1/networks/\(escape(name))/fdb")
    }

    public func addFDBEntry(_ name: String, _ entry: FDBEntryRequest) async throws(PatchbayError) -> [FDBEntryInfo] {
        try await call(.POST, "/v1/networks/\(escape(name))/fdb", body: entry)
    }

    public func deleteFDBEntry(_ name: String, _ entry: FDBEntryRequest) async throws(PatchbayError) -> [FDBEntryInfo] {
        try await call(.POST, "/v1/networks/\(escape(name))/fdb/delete", body: entry)
    }

    public func interfaces(owner: String) async throws(PatchbayError) -> [DomainInterface] {
        try await call(.GET, "/v1/domains/\(escape(owner))/interfaces")
    }

    public func interfaceStatistics(owner: String, interface: String) async throws(PatchbayError) -> InterfaceStatistics {
        try await call(.GET, "/v1/domains/\(escape(owner))/interfaces/\(escape(interface))/stats")
    }

    public func networkXML(_ name: String, inactive: Bool) async throws(PatchbayError) -> String {
        let response: NetworkXMLResponse = try await call(.GET, "/v1/networks/\(escape(name))/xml\(inactive ? "?inactive=true" : "")")
        return response.xml
    }

    /// `doctor [NET]`: GET /v1/doctor.
    public func doctor(network: String?) async throws(PatchbayError) -> DoctorReport {
        try await call(.GET, "/v1/doctor" + (network.map { "?network=" + Self.escapeQuery($0) } ?? ""))
    }

    /// `dpdk-check`: GET /v1/host/dpdk.
    public func dpdkCheck() async throws(PatchbayError) -> DPDKCheckReport {
        try await call(.GET, "/v1/host/dpdk")
    }

    // MARK: - Network filters

    public func listNWFilters() async throws(PatchbayError) -> [NWFilterSummary] { try await call(.GET, "/v1/nwfilters") }

    public func defineNWFilter(xml: String) async throws(PatchbayError) -> NWFilterSummary {
        try await call(.POST, "/v1/nwfilters", body: NWFilterXMLRequest(xml: xml))
    }

    public func undefineNWFilter(_ name: String) async throws(PatchbayError) {
        _ = try await raw(.DELETE, "/v1/nwfilters/\(escape(name))", body: nil)
    }

    public func nwfilterXML(_ name: String) async throws(PatchbayError) -> String {
        let response: NetworkXMLResponse = try await call(.GET, "/v1/nwfilters/\(escape(name))/xml")
        return response.xml
    }

    public func listNWFilterBindings() async throws(PatchbayError) -> [NWFilterBindingSummary] {
        try await call(.GET, "/v1/nwfilter-bindings")
    }

    public func createNWFilterBinding(xml: String) async throws(PatchbayError) -> NWFilterBindingSummary {
        try await call(.POST, "/v1/nwfilter-bindings", body: NWFilterXMLRequest(xml: xml))
    }

    public func deleteNWFilterBinding(_ device: String) async throws(PatchbayError) {
        _ = try await raw(.DELETE, "/v1/nwfilter-bindings/\(escape(device))", body: nil)
    }

    public func nwfilterBindingXML(_ device: String) async throws(PatchbayError) -> String {
        let response: NetworkXMLResponse = try await call(.GET, "/v1/nwfilter-bindings/\(escape(device))/xml")
        return response.xml
    }

    public func nwfilterBindingStatistics(_ device: String) async throws(PatchbayError) -> [NWFilterRuleStatistics] {
        try await call(.GET, "/v1/nwfilter-bindings/\(escape(device))/stats")
    }

    // MARK: - ACLs

    public func listACLs() async throws(PatchbayError) -> [ACLSummary] { try await call(.GET, "/v1/acls") }

    public func acl(_ name: String) async throws(PatchbayError) -> ACLDetails { try await call(.GET, "/v1/acls/\(escape(name))") }

    /// Creates the ACL or replaces the one of that name.
    public func defineACL(_ acl: NetworkACL) async throws(PatchbayError) -> NetworkACL {
        try await call(.PUT, "/v1/acls/\(escape(acl.name))", body: acl)
    }

    public func deleteACL(_ name: String) async throws(PatchbayError) {
        _ = try await raw(.DELETE, "/v1/acls/\(escape(name))", body: nil)
    }

    // MARK: - Plumbing

    /// `iface-bridge NIC BRIDGE`: POST /v1/interfaces/bridges.
    public func bridgeInterface(_ request: InterfaceBridgeRequest) async throws(PatchbayError) -> InterfaceBridgeResult {
        try await call(.POST, "/v1/interfaces/bridges", body: request)
    }

    /// `iface-unbridge BRIDGE`: DELETE /v1/interfaces/bridges/BRIDGE.
    public func unbridgeInterface(_ bridge: String) async throws(PatchbayError) -> InterfaceBridgeResult {
        try await call(.DELETE, "/v1/interfaces/bridges/\(escape(bridge))")
    }

    /// The held events after `since` (GET /v1/events).
    public func events(since: UInt64?, network: String?, types: [String], limit: Int? = nil) async throws(PatchbayError) -> EventList {
        try await call(.GET, "/v1/events" + Self.eventQuery(since: since, network: network, types: types, limit: limit, timeout: nil))
    }

    /// Follows the event stream (server-sent events): `handle` gets each event, or the marker of
    /// events the daemon no longer held, until it returns false, `limit` events came, or
    /// `timeout` seconds passed. Blocks the calling thread: the CLI does nothing else meanwhile.
    public func followEvents(since: UInt64?, network: String?, types: [String], limit: Int?, timeout: Double?,
                             _ handle: (EventStreamItem) throws(PatchbayError) -> Bool) throws(PatchbayError) {
        let path = "/v1/events/stream" + Self.eventQuery(since: since, network: network, types: types, limit: limit, timeout: timeout)
        var parser = ServerSentEventParser()
        let decoder = JSONDecoder()
        // The daemon says it is alive every 15 s: a minute of silence is a daemon gone.
        let reply = try transport.stream(path: path, idleSeconds: 60) { (bytes: [UInt8]) throws(PatchbayError) -> Bool in
            for message in parser.feed(bytes) {
                let data = Data(message.data.utf8)
                let item: EventStreamItem
                do {
                    if message.event == "dropped" {
                        item = .dropped(try decoder.decode(EventsDropped.self, from: data))
                    } else {
                        item = .event(try decoder.decode(PatchbayEvent.self, from: data))
                    }
                } catch {
                    throw PatchbayError(.internal, "patchbayd sent an unreadable event", cause: "\(error)")
                }
                if try !handle(item) { return false }
            }
            return true
        }
        if let reply { throw Self.failure(reply) }
    }

    static func eventQuery(since: UInt64?, network: String?, types: [String], limit: Int?, timeout: Double?) -> String {
        var items: [String] = []
        if let since { items.append("since=\(since)") }
        if let network { items.append("network=" + escapeQuery(network)) }
        for type in types { items.append("type=" + escapeQuery(type)) }
        if let limit { items.append("limit=\(limit)") }
        if let timeout { items.append("timeout=\(timeout)") }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    static func escapeQuery(_ value: String) -> String { CaptureRequest.encode(value) }

    /// `capture`: GET /v1/capture, the file handed to `sink` as it arrives until the capture
    /// ends or `sink` returns false. A refusal (bad filter, unknown target) is thrown as the
    /// daemon's error before anything reaches `sink`.
    public func capture(_ request: CaptureRequest, sink: (ArraySlice<UInt8>) -> Bool) async throws(PatchbayError) {
        guard let refused = try transport.stream(path: "/v1/capture?" + request.queryString, idleSeconds: nil, { sink($0[...]) }) else { return }
        throw Self.failure(refused)
    }

    /// `bench`: POST /v1/networks/{name}/bench. The daemon answers after three measurements of
    /// the request's duration each, so the wait allowed is that plus a minute, not the usual.
    public func bench(_ name: String, _ request: BenchRequest) async throws(PatchbayError) -> BenchReport {
        let data: Data
        do { data = try JSONEncoder().encode(request) } catch {
            throw PatchbayError(.internal, "cannot encode the request", cause: "\(error)")
        }
        var patient = transport
        patient.timeoutSeconds = max(patient.timeoutSeconds, request.effectiveDuration * 3 + 60)
        return try decode(BenchReport.self, try await raw(.POST, "/v1/networks/\(escape(name))/bench", body: data, over: patient))
    }

    /// `tune`: GET /v1/tune, POST /v1/tune/apply or /v1/tune/undo.
    public func tune(_ action: TuneAction) async throws(PatchbayError) -> TuneReport {
        switch action {
        case .check: try await call(.GET, "/v1/tune")
        case .apply: try await call(.POST, "/v1/tune/apply")
        case .undo: try await call(.POST, "/v1/tune/undo")
        }
    }

    private func call<T: Decodable>(_ method: HTTPVerb, _ path: String) async throws(PatchbayError) -> T {
        try decode(T.self, try await raw(method, path, body: nil))
    }

    private func call<T: Decodable>(_ method: HTTPVerb, _ path: String, body: some Encodable) async throws(PatchbayError) -> T {
        let data: Data
        do { data = try JSONEncoder().encode(body) } catch {
            throw PatchbayError(.internal, "cannot encode the request", cause: "\(error)")
        }
        return try decode(T.self, try await raw(method, path, body: data))
    }

    private func raw(_ method: HTTPVerb, _ path: String, body: Data?, over transport: HTTPUnixTransport? = nil)
        async throws(PatchbayError) -> HTTPUnixTransport.Reply {
        let reply = try await (transport ?? self.transport).send(method: method, path: path, body: body)
        guard (200..<300).contains(reply.status) else { throw Self.failure(reply) }
        return reply
    }

    private func decode<T: Decodable>(_ type: T.Type, _ reply: HTTPUnixTransport.Reply) throws(PatchbayError) -> T {
        do { return try JSONDecoder().decode(T.self, from: reply.body) } catch {
            throw PatchbayError(.internal, "patchbayd sent an unreadable \(T.self)", cause: "\(error)")
        }
    }

    /// A name as one path segment (RFC 3986 §3.3 pchar): unreserved characters, sub-delims, ':'
    /// and '@' stay, every other byte of its UTF-8 is percent-encoded.
    private func escape(_ name: String) -> String {
        let kept = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@".utf8)
        var escaped = ""
        for byte in name.utf8 {
            if kept.contains(byte) {
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = Array("0123456789ABCDEF".utf8)
                escaped += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return escaped
    }
}

/// What the event stream delivers: an event, or the marker of events the daemon no longer held.
public enum EventStreamItem: Sendable {
    case event(PatchbayEvent)
    case dropped(EventsDropped)
}
