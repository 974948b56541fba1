import Foundation
import GRDB
import PatchbayModel
import PatchbayStore

/// Leases in the daemon's SQLite database, next to the networks. WAL mode with synchronous=FULL:
/// a committed lease is on disk before its ACK is sent, and survives the daemon being killed or
/// the host crashing (dnsmasq's lease file is rewritten without fsync and can lose both).
extension SQLiteStore {
    public func leases(network: String) async throws(PatchbayError) -> [DHCPLease] {
        try await read("read the leases of network '\(network)'") { db in
            try LeaseRow.filter(Column("network") == network).fetchAll(db).compactMap(\.lease)
        }
    }

    public func apply(upserts: [DHCPLease], deletions: [LeaseKey]) async throws(PatchbayError) {
        guard !upserts.isEmpty || !deletions.isEmpty else { return }
        // Prepared once per connection: encoding a record through Codable and trying an UPDATE
        // before each INSERT (what `save` does) was most of the commit's own time.
        try await write("record \(upserts.count) DHCP lease(s)") { db in
            if !deletions.isEmpty {
                let delete = try db.cachedStatement(sql: "DELETE FROM lease WHERE network = ? AND ip = ?")
                for deletion in deletions { try delete.execute(arguments: [deletion.network, deletion.ip.description]) }
            }
            guard !upserts.isEmpty else { return }
            let upsert = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO lease (network, ip, mac, clientID, hostname, expiresAt, origin) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for lease in upserts {
                try upsert.execute(arguments: [lease.network, lease.ip.description, lease.mac.description, lease.clientID.map { Data($0) },
                                               lease.hostname, lease.expiresAt, lease.origin?.storedForm])
            }
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
    var origin: String?

    init(_ lease: DHCPLease) {
        network = lease.network
        ip = lease.ip.description
        mac = lease.mac.description
        clientID = lease.clientID.map { Data($0) }
        hostname = lease.hostname
        expiresAt = lease.expiresAt
        origin = lease.origin?.storedForm
    }

    var lease: DHCPLease? {
        guard let address = IPv4Address(ip), let mac = MACAddress(mac) else { return nil }
        return DHCPLease(network: network, mac: mac, ip: address, clientID: clientID.map { Array($0) }, hostname: hostname, expiresAt: expiresAt,
                         origin: origin.flatMap(DHCPOrigin.init(storedForm:)))
    }
}
