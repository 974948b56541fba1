import Foundation
import GRDB
import PatchbayModel
import PatchbayStore

/// A port row keeps the port as JSON: the record is small, read whole, and grows fields without
/// migrations. MAC and device are columns too, so inserts can check uniqueness in their own
/// transaction, and lookups by either are one indexed read; `mayVanish` picks out the ports the
/// sweep watches.
struct PortRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "port"
    var uuid: String
    var network: String
    var json: String
    var mac: String?
    var device: String?
    var mayVanish: Bool

    init(_ port: NetworkPort) throws {
        uuid = port.uuid.description
        network = port.network
        json = String(decoding: try JSONEncoder().encode(SQLiteStore.storable(port)), as: UTF8.self)
        mac = port.mac.description
        device = port.device
        mayVanish = SQLiteStore.mayVanish(port)
    }

    /// The stored port; a row that cannot be read is an error, never a port left out.
    func port() throws(PatchbayError) -> NetworkPort {
        do { return try JSONDecoder().decode(NetworkPort.self, from: Data(json.utf8)) } catch {
            throw PatchbayError(.storage, "the stored record of port \(uuid) on network '\(network)' cannot be read", cause: "\(error)")
        }
    }
}

extension SQLiteStore {
    public func ports() async throws(PatchbayError) -> [NetworkPort] {
        try await ports("read network ports") { PortRow.all() }
    }

    public func ports(network: String) async throws(PatchbayError) -> [NetworkPort] {
        try await ports("read the ports of network '\(network)'") { PortRow.filter(Column("network") == network) }
    }

    public func port(uuid: NetworkUUID) async throws(PatchbayError) -> NetworkPort? {
        try await ports("read port \(uuid)") { PortRow.filter(key: uuid.description) }.first
    }

    public func port(withMAC mac: MACAddress) async throws(PatchbayError) -> NetworkPort? {
        try await ports("read the port with MAC address \(mac)") { PortRow.filter(Column("mac") == mac.description).limit(1) }.first
    }

    public func port(withDevice device: String) async throws(PatchbayError) -> NetworkPort? {
        try await ports("read the port with device '\(device)'") { PortRow.filter(Column("device") == device).limit(1) }.first
    }

    public func portsThatMayVanish() async throws(PatchbayError) -> [NetworkPort] {
        try await ports("read adopted and veth ports") { PortRow.filter(Column("mayVanish") == true) }
    }

    /// The ports `request` selects, in network then UUID order.
    private func ports(_ what: String, _ request: @escaping @Sendable () -> QueryInterfaceRequest<PortRow>) async throws(PatchbayError) -> [NetworkPort] {
        let rows = try await read(what) { db in try request().order(Column("network"), Column("uuid")).fetchAll(db) }
        return try rows.map { row throws(PatchbayError) in try row.port() }
    }

    public func insert(_ port: NetworkPort) async throws(PatchbayError) {
        try await write("store port \(port.uuid)") { db in
            if try PortRow.exists(db, key: port.uuid.description) {
                throw PatchbayError(.alreadyExists, "port \(port.uuid) already exists")
            }
            try Self.checkClash(port, in: db)
            try PortRow(port).insert(db)
        }
    }

    public func update(_ port: NetworkPort) async throws(PatchbayError) {
        try await write("update port \(port.uuid)") { db in
            guard try PortRow.exists(db, key: port.uuid.description) else {
                throw PatchbayError(.notFound, "port \(port.uuid) not found")
            }
            try Self.checkClash(port, in: db)
            try PortRow(port).update(db)
        }
    }

    public func delete(port uuid: NetworkUUID) async throws(PatchbayError) {
        _ = try await write("delete port \(uuid)") { db in try PortRow.deleteOne(db, key: uuid.description) }
    }

    private static func checkClash(_ port: NetworkPort, in db: Database) throws {
        let rows = try PortRow.filter(sql: "(mac = ? OR device = ?) AND uuid != ?",
                                      arguments: [port.mac.description, port.device, port.uuid.description]).fetchAll(db)
        let others = rows.compactMap { try? JSONDecoder().decode(NetworkPort.self, from: Data($0.json.utf8)) }
        if let clash = clash(of: port, with: others) { throw clash }
    }
}

extension SQLiteStore {
    public func portForwards() async throws(PatchbayError) -> [PortForward] {
        try await read("read port forwards") { db in
            try PortForwardRow.order(Column("network"), Column("transport"), Column("hostPortStart")).fetchAll(db).compactMap(\.forward)
        }
    }

    public func insert(_ forward: PortForward) async throws(PatchbayError) {
        try await write("store port forward \(forward)") { db in
            let existing = try PortForwardRow.fetchAll(db).compactMap(\.forward)
            if let clash = existing.first(where: { $0.overlaps(forward) }) { throw Self.overlapError(clash) }
            try PortForwardRow(forward).insert(db)
        }
    }

    public func delete(_ forward: PortForward) async throws(PatchbayError) {
        _ = try await write("delete port forward \(forward)") { db in try PortForwardRow(forward).delete(db) }
    }
}

struct PortForwardRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "port_forward"
    var network: String
    var transport: String
    var hostPortStart: Int
    var hostPortEnd: Int
    var guestAddress: String
    var guestPort: Int?

    init(_ forward: PortForward) {
        network = forward.network
        transport = forward.transport.rawValue
        hostPortStart = Int(forward.hostPortStart)
        hostPortEnd = Int(forward.hostPortEnd)
        guestAddress = forward.guestAddress.description
        guestPort = forward.guestPort.map(Int.init)
    }

    var forward: PortForward? {
        guard let transport = PortForward.TransportProtocol(rawValue: transport), let address = IPv4Address(guestAddress),
              let start = UInt16(exactly: hostPortStart), let end = UInt16(exactly: hostPortEnd) else { return nil }
        return PortForward(network: network, transport: transport, hostPortStart: start, hostPortEnd: end,
                           guestAddress: address, guestPort: guestPort.flatMap { UInt16(exactly: $0) })
    }
}
