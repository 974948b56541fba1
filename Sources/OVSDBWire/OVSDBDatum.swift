/// A column's value (RFC 7047 §5.1 <value>): a set of atoms or a map from atoms to atoms. A
/// scalar column holds a set of exactly one atom, an optional column (`"min": 0, "max": 1`) a set
/// of zero or one.
///
/// On the wire a set of one is written as the bare atom (`"br0"`), any other set as
/// `["set", [...]]`, a map as `["map", [[key, value], ...]]`. An empty map may arrive as
/// `["set", []]` (ovs-vsctl writes `"bridges":["set",[]]` for empty columns of any kind), so
/// readers of a map column accept both. Sets keep the order they were given in; a set or map
/// with the same element or key twice is refused, as ovsdb-server refuses it.
public enum OVSDBDatum: Sendable, Hashable {
    case set([OVSDBAtom])
    case map([OVSDBPair])

    public static let empty = OVSDBDatum.set([])

    public init(json: JSONValue) throws(OVSDBWireError) {
        try self.init(json: json, path: JSONPath())
    }

    init(json: JSONValue, path: JSONPath) throws(OVSDBWireError) {
        if case .array(let elements) = json, elements.count == 2, case .string(let tag) = elements[0], tag == "set" || tag == "map" {
            let members = try path.index(1).array(elements[1])
            if tag == "set" {
                var atoms: [OVSDBAtom] = []
                atoms.reserveCapacity(members.count)
                var seen = Set<OVSDBAtom>()
                for (index, member) in members.enumerated() {
                    let atom = try OVSDBAtom(json: member, path: path.index(1).index(index))
                    guard seen.insert(atom).inserted else {
                        throw path.index(1).index(index).error(.unexpectedValue, "the set holds \(atom.json) twice")
                    }
                    atoms.append(atom)
                }
                self = .set(atoms)
            } else {
                var pairs: [OVSDBPair] = []
                pairs.reserveCapacity(members.count)
                var keys = Set<OVSDBAtom>()
                for (index, member) in members.enumerated() {
                    let at = path.index(1).index(index)
                    let pair = try at.array(member)
                    guard pair.count == 2 else { throw at.error(.unexpectedValue, "a map entry must be [key, value], found \(pair.count) elements") }
                    let key = try OVSDBAtom(json: pair[0], path: at.index(0))
                    let value = try OVSDBAtom(json: pair[1], path: at.index(1))
                    guard keys.insert(key).inserted else { throw at.error(.unexpectedValue, "the map holds the key \(key.json) twice") }
                    pairs.append(OVSDBPair(key, value))
                }
                self = .map(pairs)
            }
            return
        }
        self = .set([try OVSDBAtom(json: json, path: path)])
    }

    public var json: JSONValue {
        switch self {
        case .set(let atoms) where atoms.count == 1: atoms[0].json
        case .set(let atoms): ["set", .array(atoms.map(\.json))]
        case .map(let pairs): ["map", .array(pairs.map { [$0.key.json, $0.value.json] })]
        }
    }

    /// Sets and maps sorted, and an empty map written as the empty set: two datums the server
    /// stores alike compare equal after this.
    public var normalized: OVSDBDatum {
        switch self {
        case .set(let atoms): .set(atoms.sorted())
        case .map(let pairs) where pairs.isEmpty: .set([])
        case .map(let pairs): .map(pairs.sorted { $0.key < $1.key })
        }
    }
}

/// One entry of a map datum.
public struct OVSDBPair: Sendable, Hashable {
    public var key: OVSDBAtom
    public var value: OVSDBAtom

    public init(_ key: OVSDBAtom, _ value: OVSDBAtom) {
        self.key = key
        self.value = value
    }
}

extension OVSDBDatum {
    /// A scalar column's value.
    public static func atom(_ atom: OVSDBAtom) -> OVSDBDatum { .set([atom]) }
    public static func string(_ value: String) -> OVSDBDatum { .set([.string(value)]) }
    public static func integer(_ value: Int64) -> OVSDBDatum { .set([.integer(value)]) }
    public static func boolean(_ value: Bool) -> OVSDBDatum { .set([.boolean(value)]) }
    public static func uuid(_ value: OVSDBUUID) -> OVSDBDatum { .set([.uuid(value)]) }
    public static func namedUUID(_ value: OVSDBNamedUUID) -> OVSDBDatum { .set([.namedUUID(value)]) }

    /// An optional column's value: the empty set for nil.
    public static func optional(_ atom: OVSDBAtom?) -> OVSDBDatum { .set(atom.map { [$0] } ?? []) }

    /// A string-to-string map (`external_ids`, `options`, `other_config`), sorted by key so
    /// that the same dictionary always gives the same bytes.
    public static func stringMap(_ map: [String: String]) -> OVSDBDatum {
        .map(map.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { OVSDBPair(.string($0.key), .string($0.value)) })
    }

    public static func uuids(_ uuids: [OVSDBUUID]) -> OVSDBDatum { .set(uuids.map(OVSDBAtom.uuid)) }
    public static func integers(_ values: [Int64]) -> OVSDBDatum { .set(values.map(OVSDBAtom.integer)) }
    public static func strings(_ values: [String]) -> OVSDBDatum { .set(values.map(OVSDBAtom.string)) }

    /// The atoms of a set (nil for a map; an empty map counts as an empty set too).
    public var atoms: [OVSDBAtom]? {
        switch self {
        case .set(let atoms): atoms
        case .map(let pairs): pairs.isEmpty ? [] : nil
        }
    }

    /// The entries of a map (nil for a non-empty set; the empty set is the empty map).
    public var pairs: [OVSDBPair]? {
        switch self {
        case .set(let atoms): atoms.isEmpty ? [] : nil
        case .map(let pairs): pairs
        }
    }
}
