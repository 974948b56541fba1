import GRDB
import PatchbayModel
import PatchbayStore

struct NWFilterRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "nwfilter"
    var name: String
    var uuid: String
    var xml: String

    init(_ record: NWFilterRecord) {
        name = record.name
        uuid = record.uuid.description
        xml = record.xml
    }

    func record() throws(PatchbayError) -> NWFilterRecord {
        guard let parsed = NetworkUUID(uuid) else {
            throw PatchbayError(.storage, "the stored UUID of network filter '\(name)' cannot be read", cause: uuid)
        }
        return NWFilterRecord(name: name, uuid: parsed, xml: xml)
    }
}

struct NWFilterBindingRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "nwfilter_binding"
    var device: String
    var xml: String
    var markID: Int
    var port: String?
    var learnedIPv4: String?

    init(_ record: NWFilterBindingRecord) {
        device = record.device
        xml = record.xml
        markID = Int(record.markID)
        port = record.port?.description
        learnedIPv4 = record.learnedIPv4?.description
    }

    func record() throws(PatchbayError) -> NWFilterBindingRecord {
        guard let id = UInt16(exactly: markID) else {
            throw PatchbayError(.storage, "the stored mark id of the filter binding of '\(device)' is out of range", cause: "\(markID)")
        }
        return NWFilterBindingRecord(device: device, xml: xml, markID: id, port: port.flatMap(NetworkUUID.init),
                                     learnedIPv4: learnedIPv4.flatMap { IPv4Address($0) })
    }
}

extension SQLiteStore {
    public func nwfilters() async throws(PatchbayError) -> [NWFilterRecord] {
        let rows = try await read("read network filters") { db in try NWFilterRow.order(Column("name")).fetchAll(db) }
        return try rows.map { row throws(PatchbayError) in try row.record() }
    }

    public func nwfilter(named name: String) async throws(PatchbayError) -> NWFilterRecord? {
        try await read("read network filter '\(name)'") { db in try NWFilterRow.fetchOne(db, key: name) }.map { row throws(PatchbayError) in
            try row.record()
        }
    }

    public func save(_ filter: NWFilterRecord) async throws(PatchbayError) {
        try await write("store network filter '\(filter.name)'") { db in try NWFilterRow(filter).save(db) }
    }

    public func deleteNWFilter(named name: String) async throws(PatchbayError) {
        _ = try await write("delete network filter '\(name)'") { db in try NWFilterRow.deleteOne(db, key: name) }
    }

    public func nwfilterBindings() async throws(PatchbayError) -> [NWFilterBindingRecord] {
        let rows = try await read("read network filter bindings") { db in try NWFilterBindingRow.order(Column("device")).fetchAll(db) }
        return try rows.map { row throws(PatchbayError) in try row.record() }
    }

    public func nwfilterBinding(device: String) async throws(PatchbayError) -> NWFilterBindingRecord? {
        try await read("read the filter binding of '\(device)'") { db in try NWFilterBindingRow.fetchOne(db, key: device) }
            .map { row throws(PatchbayError) in try row.record() }
    }

    public func save(_ binding: NWFilterBindingRecord) async throws(PatchbayError) {
        try await write("store the filter binding of '\(binding.device)'") { db in try NWFilterBindingRow(binding).save(db) }
    }

    public func deleteNWFilterBinding(device: String) async throws(PatchbayError) {
        _ = try await write("delete the filter binding of '\(device)'") { db in try NWFilterBindingRow.deleteOne(db, key: device) }
    }
}
