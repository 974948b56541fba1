import Foundation
import GRDB
import PatchbayModel
import Synchronization

/// Where port forwards live: with the networks, so they come back after a restart.
public protocol PortForwardStore: Sendable {
    func portForwards() throws(PatchbayError) -> [PortForward]
    func insert(_ forward: PortForward) throws(PatchbayError)
    func delete(_ forward: PortForward) throws(PatchbayError)
    func deleteAllForwards(network: String) throws(PatchbayError)
}

extension PortForwardStore {
    public func portForwards(network: String) throws(PatchbayError) -> [PortForward] {
        try portForwards().filter { $0.network == network }
    }
}

/// Port forwards in memory, for engine tests.
public final class InMemoryPortForwardStore: PortForwardStore {
    private let state = Mutex<[PortForward]>([])
    public init() {}
    public func portForwards() -> [PortForward] { state.withLock { $0 } }
    public func insert(_ forward: PortForward) { state.withLock { $0.append(forward) } }
    public func delete(_ forward: PortForward) { state.withLock { $0.removeAll { $0 == forward } } }
    public func deleteAllForwards(network: String) { state.withLock { $0.removeAll { $0.network == network } } }
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

extension SQLiteNetworkStore: PortForwardStore {
    public func portForwards() throws(PatchbayError) -> [PortForward] {
        do {
            return try database.read { db in
                try PortForwardRow.order(Column("network"), Column("transport"), Column("hostPortStart")).fetchAll(db).compactMap(\.forward)
            }
        } catch {
            throw PatchbayError(.storage, "cannot read port forwards", cause: "\(error)")
        }
    }

    public func insert(_ forward: PortForward) throws(PatchbayError) {
        do {
            try database.write { db in try PortForwardRow(forward).insert(db) }
        } catch {
            throw PatchbayError(.storage, "cannot store port forward \(forward)", cause: "\(error)")
        }
    }

    public func delete(_ forward: PortForward) throws(PatchbayError) {
        do {
            _ = try database.write { db in try PortForwardRow(forward).delete(db) }
        } catch {
            throw PatchbayError(.storage, "cannot delete port forward \(forward)", cause: "\(error)")
        }
    }

    public func deleteAllForwards(network: String) throws(PatchbayError) {
        do {
            _ = try database.write { db in try PortForwardRow.filter(Column("network") == network).deleteAll(db) }
        } catch {
            throw PatchbayError(.storage, "cannot delete the port forwards of network '\(network)'", cause: "\(error)")
        }
    }
}
