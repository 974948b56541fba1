import OVSDBWire
import Testing

/// RFC 7047 §5.1: atoms, UUIDs, sets (a set of one written as the bare atom), maps.
@Suite struct OVSDBDatumTests {
    func datum(_ text: String) throws(OVSDBWireError) -> OVSDBDatum {
        try OVSDBDatum(json: try JSONParser.parse(text))
    }

    func refusal(_ text: String) -> OVSDBWireError? {
        do {
            let value = try datum(text)
            Issue.record("\(text) read as \(value)")
            return nil
        } catch {
            return error
        }
    }

    @Test func atoms() throws {
        #expect(try datum("7") == .integer(7))
        #expect(try datum("-7") == .set([.integer(-7)]))
        #expect(try datum("1.5") == .set([.real(1.5)]))
        #expect(try datum("true") == .boolean(true))
        #expect(try datum(#""br0""#) == .string("br0"))
        #expect(try datum(#"["uuid","635802b2-5053-4f4d-ac7d-60b9e2c746cb"]"#) == .uuid(OVSDBUUID("635802b2-5053-4f4d-ac7d-60b9e2c746cb")!))
        #expect(try datum(#"["named-uuid","row1328f034_c139"]"#) == .namedUUID(OVSDBNamedUUID("row1328f034_c139")!))
        // A string "set" is a string, not a tag.
        #expect(try datum(#""set""#) == .string("set"))
        #expect(OVSDBAtom.integer(3).realValue == 3)
        #expect(OVSDBAtom.real(2.5).realValue == 2.5)
        #expect(OVSDBAtom.string("x").realValue == nil)
    }

    @Test func uuids() {
        #expect(OVSDBUUID("635802B2-5053-4F4D-AC7D-60B9E2C746CB")?.string == "635802b2-5053-4f4d-ac7d-60b9e2c746cb")
        #expect(OVSDBUUID("635802b2-5053-4f4d-ac7d-60b9e2c746cb") == OVSDBUUID("635802B2-5053-4f4d-AC7D-60b9e2c746cb"))
        for bad in ["", "635802b2-5053-4f4d-ac7d-60b9e2c746c", "635802b2-5053-4f4d-ac7d-60b9e2c746cbb", "635802b2_5053-4f4d-ac7d-60b9e2c746cb",
                    "635802b2-5053-4f4d-ac7d-60b9e2c746cg", "635802b25053-4f4d-ac7d-60b9e2c746cb-", " 35802b2-5053-4f4d-ac7d-60b9e2c746cb",
                    "６35802b2-5053-4f4d-ac7d-60b9e2c746c"] {
            #expect(OVSDBUUID(bad) == nil, "\(bad)")
        }
        #expect(refusal(#"["uuid","nope"]"#)?.reason == .invalidUUID)
        #expect(refusal(#"["uuid",7]"#)?.reason == .unexpectedValue)
        for good in ["a", "_", "row1", "Row_2_b", "_9"] { #expect(OVSDBNamedUUID(good) != nil, "\(good)") }
        for bad in ["", "1row", "row-1", "row 1", "rów", "@q"] { #expect(OVSDBNamedUUID(bad) == nil, "\(bad)") }
        #expect(refusal(#"["named-uuid","1abc"]"#)?.reason == .invalidUUID)
    }

    @Test func sets() throws {
        #expect(try datum(#"["set",[]]"#) == .empty)
        #expect(try datum(#"["set",[10,20]]"#) == .integers([10, 20]))
        // A set of one may also be written in full.
        #expect(try datum(#"["set",["a"]]"#) == .string("a"))
        #expect(try datum(#"["set",[["uuid","2b512be0-eef4-4786-85d1-38f1f21e49a4"],["uuid","c93e6dea-f65a-4d69-b1f8-073ac576ac4f"]]]"#)
            == .uuids([OVSDBUUID("2b512be0-eef4-4786-85d1-38f1f21e49a4")!, OVSDBUUID("c93e6dea-f65a-4d69-b1f8-073ac576ac4f")!]))
        #expect(refusal(#"["set",[1,1]]"#)?.reason == .unexpectedValue)
        #expect(refusal(#"["set",[["set",[]]]]"#)?.reason == .unexpectedValue)
        #expect(refusal(#"["set",1]"#)?.reason == .unexpectedValue)
        #expect(refusal(#"["set",[null]]"#)?.reason == .unexpectedValue)
        #expect(refusal(#"["set",[{}]]"#)?.location == .path("[1][0]"))
    }

    @Test func maps() throws {
        #expect(try datum(#"["map",[]]"#) == .map([]))
        #expect(try datum(#"["map",[["iface-id","x"],["k",7]]]"#) == .map([OVSDBPair("iface-id", "x"), OVSDBPair("k", 7)]))
        #expect(refusal(#"["map",[["a","1"],["a","2"]]]"#)?.reason == .unexpectedValue)
        #expect(refusal(#"["map",[["a"]]]"#)?.reason == .unexpectedValue)
        #expect(refusal(#"["map",[["a","b","c"]]]"#)?.reason == .unexpectedValue)
        #expect(refusal(#"["map",[{"a":"b"}]]"#)?.reason == .unexpectedValue)
        #expect(refusal(#"["map",{}]"#)?.reason == .unexpectedValue)
        #expect(refusal(#"["map",[["a",["set",[]]]]]"#)?.location == .path("[1][0][1]"))
    }

    @Test func notADatum() {
        for bad in ["null", "{}", "[]", "[1]", #"["set"]"#, #"["uuid"]"#, #"["bag",[]]"#, #"["set",[],[]]"#, #"[1,2]"#] {
            #expect(refusal(bad) != nil, "\(bad)")
        }
    }

    @Test func encodingWritesASetOfOneBare() {
        #expect(OVSDBDatum.string("br0").json.text == #""br0""#)
        #expect(OVSDBDatum.empty.json.text == #"["set",[]]"#)
        #expect(OVSDBDatum.integers([10, 20]).json.text == #"["set",[10,20]]"#)
        #expect(OVSDBDatum.optional(nil).json.text == #"["set",[]]"#)
        #expect(OVSDBDatum.optional(.integer(10)).json.text == "10")
        #expect(OVSDBDatum.stringMap(["vm-uuid": "v", "attached-mac": "m", "iface-id": "i"]).json.text
            == #"["map",[["attached-mac","m"],["iface-id","i"],["vm-uuid","v"]]]"#)
        #expect(OVSDBDatum.stringMap([:]).json.text == #"["map",[]]"#)
        #expect(OVSDBDatum.namedUUID(OVSDBNamedUUID("port")!).json.text == #"["named-uuid","port"]"#)
        #expect(OVSDBDatum.boolean(false).json.text == "false")
        #expect(OVSDBDatum.atom(.real(0.5)).json.text == "0.5")
    }

    @Test func normalizedComparesWhatTheServerStoresAlike() {
        #expect(OVSDBDatum.integers([20, 10]).normalized == OVSDBDatum.integers([10, 20]).normalized)
        #expect(OVSDBDatum.map([]).normalized == OVSDBDatum.empty)
        #expect(OVSDBDatum.map([OVSDBPair("b", "2"), OVSDBPair("a", "1")]).normalized == .stringMap(["a": "1", "b": "2"]))
        #expect(OVSDBDatum.map([]).atoms == [])
        #expect(OVSDBDatum.empty.pairs == [])
        #expect(OVSDBDatum.string("x").pairs == nil)
    }

    @Test func everyValueOfTheCapturedRowsReadsBack() throws {
        // Every datum in every select result and monitor update the server sent.
        var datums = 0
        for name in Fixture.names {
            for message in try Fixture.messages(name, .server) {
                guard case .response(let result, _) = message, case .array(let results) = result else { continue }
                for case .object(let object) in results {
                    guard case .array(let rows)? = object["rows"] else { continue }
                    for row in rows {
                        let decoded = try OVSDBRow(json: row)
                        #expect(decoded.json == row)
                        datums += decoded.columns.count
                    }
                }
            }
        }
        #expect(datums > 20)
    }
}

/// Typed column reads: defaults for missing columns, errors naming table, row and column.
@Suite struct OVSDBRowReaderTests {
    static let uuid = OVSDBUUID("635802b2-5053-4f4d-ac7d-60b9e2c746cb")!

    func reader(_ row: OVSDBRow) -> OVSDBRowReader { OVSDBRowReader(table: "Interface", uuid: Self.uuid, row: row) }

    @Test func missingColumnsReadAsEmpty() throws {
        let empty = reader([:])
        #expect(try empty.string("name") == "")
        #expect(try empty.optionalString("error") == nil)
        #expect(try empty.integer("ofport") == 0)
        #expect(try empty.optionalInteger("ofport") == nil)
        #expect(try empty.boolean("x") == false)
        #expect(try empty.strings("x") == [])
        #expect(try empty.uuids("x") == [])
        #expect(try empty.stringMap("external_ids") == [:])
        #expect(try empty.integerMap("statistics") == [:])
        #expect(try empty.rowUUID() == Self.uuid)
        #expect(throws: OVSDBWireError.self) { try OVSDBRowReader(table: "Port", uuid: nil, row: [:]).rowUUID() }
    }

    @Test func wrongTypesSayWhere() {
        let row: OVSDBRow = ["ofport": .string("one"), "name": .empty, "external_ids": .strings(["a", "b"]), "error": .strings(["a", "b"])]
        let errors: [OVSDBWireError?] = [
            #expect(throws: OVSDBWireError.self) { try reader(row).integer("ofport") },
            #expect(throws: OVSDBWireError.self) { try reader(row).string("name") },
            #expect(throws: OVSDBWireError.self) { try reader(row).stringMap("external_ids") },
            #expect(throws: OVSDBWireError.self) { try reader(row).optionalString("error") },
        ]
        #expect(errors[0]?.description == "unexpected OVSDB data at Interface 635802b2-5053-4f4d-ac7d-60b9e2c746cb.ofport: expected an integer, found a string")
        #expect(errors[1]?.description.contains("holds 0 atoms where the schema allows exactly 1") == true)
        #expect(errors[2]?.description.contains("expected a map of strings to strings, found a set") == true)
        #expect(errors[3]?.location == .path("Interface 635802b2-5053-4f4d-ac7d-60b9e2c746cb.error"))
        let map: OVSDBRow = ["statistics": .map([OVSDBPair("rx", "x")])]
        #expect(throws: OVSDBWireError.self) { try reader(map).integerMap("statistics") }
    }
}
