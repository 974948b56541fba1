import Foundation
import GRDB
import PatchbayModel
import PatchbayStore

extension SQLiteStore {
    public func append(events: [PatchbayEvent], keep: Int) async throws(PatchbayError) {
        guard let newest = events.last?.id else { return }
        let encoder = JSONEncoder()
        var rows: [(Int64, String)] = []
        for event in events {
            do { rows.append((Int64(event.id), String(decoding: try encoder.encode(event), as: UTF8.self))) } catch {
                throw PatchbayError(.internal, "cannot encode event \(event.id)", cause: "\(error)")
            }
        }
        let stored = rows
        try await write("store \(events.count) events") { db in
            let insert = try db.makeStatement(sql: "INSERT OR REPLACE INTO event (id, json) VALUES (?, ?)")
            for (id, json) in stored { try insert.execute(arguments: [id, json]) }
            try db.execute(sql: "DELETE FROM event WHERE id <= ?", arguments: [Int64(newest) - Int64(keep)])
        }
    }

    public func recentEvents(limit: Int) async throws(PatchbayError) -> [PatchbayEvent] {
        let rows = try await read("read recent events") { db in
            try Row.fetchAll(db, sql: "SELECT id, json FROM event ORDER BY id DESC LIMIT ?", arguments: [limit])
                .map { (id: $0["id"] as Int64, json: $0["json"] as String) }
        }
        let decoder = JSONDecoder()
        var events: [PatchbayEvent] = []
        for row in rows.reversed() {
            // One unreadable row (a newer daemon's type, say) costs that event, not the history.
            if let event = try? decoder.decode(PatchbayEvent.self, from: Data(row.json.utf8)) { events.append(event) }
        }
        return events
    }
}
