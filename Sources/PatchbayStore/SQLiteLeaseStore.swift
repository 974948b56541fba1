import Foundation
import GRDB
import PatchbayModel

/// Leases in the daemon's SQLite database, next to the networks. WAL mode with synchronous=FULL:
/// a committed lease is on disk before its ACK is sent, and survives the daemon being killed or
/// the host crashing (dnsmasq's lease file is rewritten without fsync and can lose both).
extension SQLiteNetworkStore: LeaseStore {
    public func leases(network: String) throws(PatchbayError) -> [DHCPLease] {
        do {
            return try database.read { db in
                try LeaseRow.filter(Column("network") == network).fetchAll(db).compactMap(\.lease)
            }
        } catch {
            throw PatchbayError(.storage, "cannot read the leases of network '\(network)'", cause: "\(error)")
        }
    }

    public func apply(upserts: [DHCPLease], deletions: [(network: String, ip: IPv4Address)]) throws(PatchbayError) {
        guard !upserts.isEmpty || !deletions.isEmpty else { return }
        do {
            try database.write { db in
                for deletion in deletions {
                    try db.execute(sql: "DELETE FROM lease WHERE network = ? AND ip = ?", arguments: [deletion.network, deletion.ip.description])
                }
                for lease in upserts { try LeaseRow(lease).save(db) }
            }
        } catch {
            throw PatchbayError(.storage, "cannot record \(upserts.count) DHCP lease(s)", cause: "\(error)")
        }
    }

    public func deleteAll(network: String) throws(PatchbayError) {
        do {
            try database.write { db in try db.execute(sql: "DELETE FROM lease WHERE network = ?", arguments: [network]) }
        } catch {
            throw PatchbayError(.storage, "cannot remove the leases of network '\(network)'", cause: "\(error)")
        }
    }
}

struct LeaseRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "lease"

    var network: String
    var ip: String
    var mac: String
    var clientID: Data?
    var hostname: String?
    var expiresAt: Int64?

    init(_ lease: DHCPLease) {
        network = lease.network
        ip = lease.ip.description
        mac = lease.mac.description
        clientID = lease.clientID.map { Data($0) }
        hostname = lease.hostname
        expiresAt = lease.expiresAt
    }

    var lease: DHCPLease? {
        guard let address = IPv4Address(ip), let mac = MACAddress(mac) else { return nil }
        return DHCPLease(network: network, mac: mac, ip: address, clientID: clientID.map { Array($0) }, hostname: hostname, expiresAt: expiresAt)
    }
}
