import OVSDBWire

/// Just enough of ovsdb-server to run the captured ovs-vsctl transactions and Patchbay's own
/// against the same database and compare what they leave: named UUIDs resolved across the
/// transaction, where clauses, the seven operations, references checked at commit (before
/// garbage collection, as ovsdb-server 3.1 does: deleting a QoS row that a port about to be
/// collected still refers to fails), non-root rows collected, unique names.
///
/// Tables, references and roots are those of `vswitch.ovsschema` that Patchbay touches.
struct MiniOVSDB {
    var tables: [String: [OVSDBUUID: OVSDBRow]] = [:]
    private var counter = 0

    static let references: [String: [String: String]] = [
        "Open_vSwitch": ["bridges": "Bridge"], "Bridge": ["ports": "Port"], "Port": ["interfaces": "Interface", "qos": "QoS"],
    ]
    static let roots: Set<String> = ["Open_vSwitch", "QoS"]
    static let indexed: Set<String> = ["Bridge", "Port", "Interface"]

    subscript(_ table: String) -> [OVSDBUUID: OVSDBRow] { tables[table] ?? [:] }

    mutating func add(_ table: String, _ uuid: String, _ row: OVSDBRow) {
        tables[table, default: [:]][OVSDBUUID(uuid)!] = row
    }

    struct Failure: Error {
        var error: OVSDBServerError
    }

    /// Runs the operations; commits only when all succeed and the commit checks pass. New rows
    /// get `insertUUIDs` in order when given (the UUIDs the real server gave them), else made-up ones.
    mutating func transact(_ operations: [OVSDBOperation], insertUUIDs: [OVSDBUUID] = []) -> OVSDBTransactionResult {
        var names: [OVSDBNamedUUID: OVSDBUUID] = [:]
        var assigned = insertUUIDs.makeIterator()
        var newUUIDs: [Int: OVSDBUUID] = [:]
        for (index, operation) in operations.enumerated() {
            guard case .insert(_, _, let name) = operation else { continue }
            let uuid = assigned.next() ?? makeUUID()
            newUUIDs[index] = uuid
            if let name { names[name] = uuid }
        }
        var working = tables
        var results: [OVSDBOperationResult?] = []
        for (index, operation) in operations.enumerated() {
            do {
                results.append(try apply(operation, to: &working, names: names, newUUID: newUUIDs[index]))
            } catch {
                results.append(.error(error.error))
                results += Array(repeating: nil, count: operations.count - index - 1)
                return OVSDBTransactionResult(results: results)
            }
        }
        do {
            try commit(&working)
        } catch {
            results.append(.error(error.error))
            return OVSDBTransactionResult(results: results)
        }
        tables = working
        return OVSDBTransactionResult(results: results)
    }

    private mutating func makeUUID() -> OVSDBUUID {
        counter += 1
        let hex = String(counter, radix: 16)
        return OVSDBUUID("99999999-0000-0000-0000-" + String(repeating: "0", count: 12 - hex.count) + hex)!
    }

    private func resolve(_ datum: OVSDBDatum, _ names: [OVSDBNamedUUID: OVSDBUUID]) throws(Failure) -> OVSDBDatum {
        func atom(_ atom: OVSDBAtom) throws(Failure) -> OVSDBAtom {
            guard case .namedUUID(let name) = atom else { return atom }
            guard let uuid = names[name] else { throw Failure(error: OVSDBServerError(error: "syntax error", details: "unknown name \(name)")) }
            return .uuid(uuid)
        }
        switch datum {
        case .set(let atoms):
            var resolved: [OVSDBAtom] = []
            for a in atoms { resolved.append(try atom(a)) }
            return .set(resolved)
        case .map(let pairs):
            var resolved: [OVSDBPair] = []
            for pair in pairs { resolved.append(OVSDBPair(try atom(pair.key), try atom(pair.value))) }
            return .map(resolved)
        }
    }

    private func resolve(_ row: OVSDBRow, _ names: [OVSDBNamedUUID: OVSDBUUID]) throws(Failure) -> OVSDBRow {
        var resolved = OVSDBRow()
        for (column, datum) in row.columns { resolved[column] = try resolve(datum, names) }
        return resolved
    }

    private func value(_ row: OVSDBRow, _ uuid: OVSDBUUID, _ column: String) -> OVSDBDatum {
        column == "_uuid" ? .uuid(uuid) : (row[column] ?? .empty)
    }

    private func matches(_ row: OVSDBRow, _ uuid: OVSDBUUID, _ conditions: [OVSDBCondition], _ names: [OVSDBNamedUUID: OVSDBUUID]) throws(Failure) -> Bool {
        for condition in conditions {
            let have = value(row, uuid, condition.column).normalized
            let want = try resolve(condition.value, names).normalized
            let pass: Bool
            switch condition.function {
            case .equal: pass = have == want
            case .notEqual: pass = have != want
            case .includes: pass = Set(elements(want)).isSubset(of: Set(elements(have)))
            case .excludes: pass = Set(elements(want)).isDisjoint(with: Set(elements(have)))
            case .lessThan, .lessThanOrEqual, .greaterThan, .greaterThanOrEqual:
                guard let a = Self.integer(have), let b = Self.integer(want) else {
                    throw Failure(error: OVSDBServerError(error: "type mismatch"))
                }
                switch condition.function {
                case .lessThan: pass = a < b
                case .lessThanOrEqual: pass = a <= b
                case .greaterThan: pass = a > b
                default: pass = a >= b
                }
            }
            if !pass { return false }
        }
        return true
    }

    /// A set's atoms or a map's pairs, as comparable elements.
    private func elements(_ datum: OVSDBDatum) -> [OVSDBDatum] {
        switch datum {
        case .set(let atoms): atoms.map { .set([$0]) }
        case .map(let pairs): pairs.map { .map([$0]) }
        }
    }

    private func apply(_ operation: OVSDBOperation, to tables: inout [String: [OVSDBUUID: OVSDBRow]],
                       names: [OVSDBNamedUUID: OVSDBUUID], newUUID: OVSDBUUID?) throws(Failure) -> OVSDBOperationResult {
        func matching(_ table: String, _ conditions: [OVSDBCondition]) throws(Failure) -> [OVSDBUUID] {
            var found: [OVSDBUUID] = []
            for (uuid, row) in tables[table] ?? [:] where try matches(row, uuid, conditions, names) { found.append(uuid) }
            return found.sorted()
        }
        switch operation {
        case .insert(let table, let row, _):
            tables[table, default: [:]][newUUID!] = try resolve(row, names)
            return .uuid(newUUID!)
        case .select(let table, let conditions, let columns):
            return .rows(try matching(table, conditions).map { uuid in
                let row = tables[table]![uuid]!
                let wanted = columns ?? (["_uuid"] + row.columns.keys.sorted())
                return OVSDBRow(Dictionary(uniqueKeysWithValues: wanted.map { ($0, value(row, uuid, $0)) }))
            })
        case .update(let table, let conditions, let row):
            let uuids = try matching(table, conditions)
            let resolved = try resolve(row, names)
            for uuid in uuids {
                for (column, datum) in resolved.columns { tables[table]![uuid]![column] = datum }
            }
            return .count(Int64(uuids.count))
        case .mutate(let table, let conditions, let mutations):
            let uuids = try matching(table, conditions)
            for uuid in uuids {
                for mutation in mutations {
                    let current = tables[table]![uuid]![mutation.column] ?? .empty
                    let operand = try resolve(mutation.value, names)
                    tables[table]![uuid]![mutation.column] = try Self.mutate(current, mutation.mutator, operand)
                }
            }
            return .count(Int64(uuids.count))
        case .delete(let table, let conditions):
            let uuids = try matching(table, conditions)
            for uuid in uuids { tables[table]![uuid] = nil }
            return .count(Int64(uuids.count))
        case .wait(let wait):
            let rows = try matching(wait.table, wait.conditions).map { uuid in
                OVSDBRow(Dictionary(uniqueKeysWithValues: wait.columns.map { ($0, value(tables[wait.table]![uuid]!, uuid, $0).normalized) }))
            }
            var wanted: [OVSDBRow] = []
            for row in wait.rows { wanted.append(try resolve(row, names).normalized) }
            let equal = rows.sorted { $0.json.text < $1.json.text } == wanted.sorted { $0.json.text < $1.json.text }
            guard equal == (wait.until == .equal) else {
                throw Failure(error: OVSDBServerError(error: "timed out", details: "\"where\" clause test failed"))
            }
            return .empty
        case .comment, .commit, .assert:
            return .empty
        case .abort:
            throw Failure(error: OVSDBServerError(error: "aborted"))
        }
    }

    static func mutate(_ current: OVSDBDatum, _ mutator: OVSDBMutation.Mutator, _ operand: OVSDBDatum) throws(Failure) -> OVSDBDatum {
        if let a = integer(current), let b = integer(operand) {
            switch mutator {
            case .add: return .integer(a + b)
            case .subtract: return .integer(a - b)
            default: break
            }
        }
        switch (mutator, current, operand) {
        case (.insert, .set(let atoms), .set(let more)):
            return .set(atoms + more.filter { !atoms.contains($0) })
        case (.insert, _, .map(let more)):
            let pairs = current.pairs ?? []
            return .map(pairs + more.filter { pair in !pairs.contains { $0.key == pair.key } })
        case (.delete, .set(let atoms), .set(let gone)) where current.pairs == nil || atoms.isEmpty:
            return .set(atoms.filter { !gone.contains($0) })
        case (.delete, .map(let pairs), .set(let keys)):
            return .map(pairs.filter { !keys.contains($0.key) })
        case (.delete, .map(let pairs), .map(let gone)):
            return .map(pairs.filter { !gone.contains($0) })
        default:
            throw Failure(error: OVSDBServerError(error: "constraint violation", details: "cannot apply \(mutator) to \(current) with \(operand)"))
        }
    }

    /// What ovsdb-server checks when the operations are done.
    private func commit(_ tables: inout [String: [OVSDBUUID: OVSDBRow]]) throws(Failure) {
        for (table, columns) in Self.references {
            for (uuid, row) in tables[table] ?? [:] {
                for (column, target) in columns {
                    for atom in row[column]?.atoms ?? [] {
                        guard case .uuid(let referenced) = atom, tables[target]?[referenced] != nil else {
                            throw Failure(error: OVSDBServerError(
                                error: "referential integrity violation",
                                details: "Table \(table) column \(column) row \(uuid) references nonexistent row \(atom) in table \(target)."))
                        }
                    }
                }
            }
        }
        // Garbage collection: non-root rows nothing refers to, until none are left.
        while true {
            var referenced = Set<OVSDBUUID>()
            for (table, columns) in Self.references {
                for row in (tables[table] ?? [:]).values {
                    for column in columns.keys { referenced.formUnion(row[column]?.atoms?.compactMap(\.uuidValue) ?? []) }
                }
            }
            var collected = false
            for (table, rows) in tables where !Self.roots.contains(table) {
                for uuid in rows.keys where !referenced.contains(uuid) {
                    tables[table]![uuid] = nil
                    collected = true
                }
            }
            if !collected { break }
        }
        for table in Self.indexed {
            let names = (tables[table] ?? [:]).values.compactMap { $0["name"] }
            if Set(names).count != names.count {
                throw Failure(error: OVSDBServerError(error: "constraint violation", details: "duplicate name in \(table)"))
            }
        }
    }

    /// The database with every reference replaced by what it refers to (by name, or a QoS row
    /// by its columns), columns holding their default left out, UUIDs left out: two databases
    /// that differ only in the UUIDs of new rows and in columns written with their defaults
    /// compare equal.
    var canonical: [String: [String]] {
        func describe(_ table: String, _ uuid: OVSDBUUID) -> String {
            guard let row = tables[table]?[uuid] else { return "\(table):missing" }
            if let name = row["name"] { return "\(table):\(name.json.text)" }
            return "\(table):\(flatten(table, row, depth: 1))"
        }
        func flatten(_ table: String, _ row: OVSDBRow, depth: Int) -> String {
            var parts: [String] = []
            for column in row.columns.keys.sorted() {
                guard var datum = row[column]?.normalized, !Self.isDefault(datum) else { continue }
                if let target = Self.references[table]?[column], depth < 3 {
                    datum = .strings((datum.atoms ?? []).compactMap(\.uuidValue).map { describe(target, $0) }.sorted())
                }
                parts.append("\(column)=\(datum.json.text)")
            }
            return "{" + parts.joined(separator: ",") + "}"
        }
        var result: [String: [String]] = [:]
        for (table, rows) in tables where !rows.isEmpty {
            result[table] = rows.values.map { flatten(table, $0, depth: 0) }.sorted()
        }
        return result
    }

    static func integer(_ datum: OVSDBDatum) -> Int64? {
        guard let atoms = datum.atoms, atoms.count == 1 else { return nil }
        return atoms[0].integerValue
    }

    static func isDefault(_ datum: OVSDBDatum) -> Bool {
        datum == .empty || datum == .map([]) || datum == .string("") || datum == .integer(0) || datum == .boolean(false)
    }
}
