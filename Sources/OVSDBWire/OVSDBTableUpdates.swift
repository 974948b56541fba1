/// Changes a monitor reports (RFC 7047 §4.1.5 <table-updates>): for each table, for each row that
/// changed, the row before and after. A row that appeared has only `new`, one that went only
/// `old`; a modified row has `new` with every monitored column and `old` with only those that
/// changed. The monitor's reply holds the initial rows as insertions.
public struct OVSDBTableUpdates: Sendable, Hashable {
    public var tables: [String: [OVSDBUUID: OVSDBRowUpdate]]

    public init(tables: [String: [OVSDBUUID: OVSDBRowUpdate]] = [:]) {
        self.tables = tables
    }

    public var isEmpty: Bool { tables.values.allSatisfy(\.isEmpty) }

    public init(json: JSONValue) throws(OVSDBWireError) {
        try self.init(json: json, path: JSONPath())
    }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        var tables: [String: [OVSDBUUID: OVSDBRowUpdate]] = [:]
        for (table, rows) in try path.object(json) {
            let at = path.member(table)
            var updates: [OVSDBUUID: OVSDBRowUpdate] = [:]
            for (key, update) in try at.object(rows) {
                guard let uuid = OVSDBUUID(key) else { throw at.member(key).error(.invalidUUID, "the row key \"\(key)\" is not a UUID") }
                updates[uuid] = try OVSDBRowUpdate(json: update, path: at.member(key))
            }
            tables[table] = updates
        }
        self.tables = tables
    }

    public var json: JSONValue {
        .object(tables.mapValues { rows in .object(Dictionary(uniqueKeysWithValues: rows.map { ($0.key.string, $0.value.json) })) })
    }

    /// The changes to `table`, by row.
    public subscript(_ table: String) -> [OVSDBUUID: OVSDBRowUpdate] { tables[table] ?? [:] }
}

/// One row's change (RFC 7047 §4.1.5 <row-update>).
public struct OVSDBRowUpdate: Sendable, Hashable {
    public var old: OVSDBRow?
    public var new: OVSDBRow?

    public enum Kind: Sendable, Hashable {
        case insert, delete, modify
    }

    /// A row update with neither `old` nor `new` says nothing; the reader refuses it.
    public init(old: OVSDBRow?, new: OVSDBRow?) {
        self.old = old
        self.new = new
    }

    public var kind: Kind {
        switch (old, new) {
        case (nil, _): .insert
        case (_, nil): .delete
        default: .modify
        }
    }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        let object = try path.object(json)
        try path.checkMembers(object, allowed: ["old", "new"])
        guard object["old"] != nil || object["new"] != nil else {
            throw path.error(.missingMember, "a row update with neither \"old\" nor \"new\"")
        }
        var old: OVSDBRow?, new: OVSDBRow?
        if let value = object["old"] { old = try OVSDBRow(json: value, path: path.member("old")) }
        if let value = object["new"] { new = try OVSDBRow(json: value, path: path.member("new")) }
        self.init(old: old, new: new)
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let old { object["old"] = old.json }
        if let new { object["new"] = new.json }
        return .object(object)
    }
}

/// An `update` notification (RFC 7047 §4.1.6): params `[monitor-id, table-updates]`.
public struct OVSDBUpdateNotification: Sendable, Hashable {
    public var monitorID: JSONValue
    public var updates: OVSDBTableUpdates

    public init(monitorID: JSONValue, updates: OVSDBTableUpdates) {
        self.monitorID = monitorID
        self.updates = updates
    }

    /// Reads the params of a notification whose method is `update`.
    public init(params: [JSONValue]) throws(OVSDBWireError) {
        let path = JSONPath("params")
        guard params.count == 2 else { throw path.error(.unexpectedValue, "an update has [monitor-id, table-updates], found \(params.count) params") }
        self.init(monitorID: params[0], updates: try OVSDBTableUpdates(json: params[1], path: path.index(1)))
    }

    public var message: JSONRPCMessage { .notification(method: "update", params: [monitorID, updates.json]) }
}
