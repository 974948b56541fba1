import OVSDBWire
import Testing

/// Transact operations (RFC 7047 §5.2): what Patchbay writes, byte for byte, and every operation
/// ovs-vsctl and ovsdb-client wrote in the captured sessions, read and written back.
@Suite struct OVSDBOperationTests {
    static let root = OVSDBUUID("724aed22-55ef-4b04-bfc5-70eb2c2877af")!

    @Test func eachOperationsJSON() throws {
        let named = OVSDBNamedUUID("port")!
        let cases: [(OVSDBOperation, String)] = [
            (.insert(table: "Port", row: ["name": .string("vnet0"), "interfaces": .namedUUID(OVSDBNamedUUID("interface")!)], uuidName: named),
             #"{"op":"insert","row":{"interfaces":["named-uuid","interface"],"name":"vnet0"},"table":"Port","uuid-name":"port"}"#),
            (.insert(table: "QoS", row: [:], uuidName: nil), #"{"op":"insert","row":{},"table":"QoS"}"#),
            (.select(table: "Bridge", where: [.name("br0")], columns: ["_uuid", "ports"]),
             #"{"columns":["_uuid","ports"],"op":"select","table":"Bridge","where":[["name","==","br0"]]}"#),
            (.select(table: "Bridge", where: [], columns: nil), #"{"op":"select","table":"Bridge","where":[]}"#),
            (.update(table: "Port", where: [.uuid(Self.root)], row: ["tag": .empty]),
             #"{"op":"update","row":{"tag":["set",[]]},"table":"Port","where":[["_uuid","==",["uuid","724aed22-55ef-4b04-bfc5-70eb2c2877af"]]]}"#),
            (.mutate(table: "Open_vSwitch", where: [], mutations: [OVSDBMutation("next_cfg", .add, .integer(1)),
                                                                  OVSDBMutation("bridges", .delete, .uuid(Self.root))]),
             #"{"mutations":[["next_cfg","+=",1],["bridges","delete",["uuid","724aed22-55ef-4b04-bfc5-70eb2c2877af"]]],"op":"mutate","table":"Open_vSwitch","where":[]}"#),
            (.delete(table: "QoS", where: [.uuid(Self.root)]),
             #"{"op":"delete","table":"QoS","where":[["_uuid","==",["uuid","724aed22-55ef-4b04-bfc5-70eb2c2877af"]]]}"#),
            (.wait(OVSDBWait(table: "Open_vSwitch", where: [OVSDBCondition("cur_cfg", .greaterThanOrEqual, .integer(3))], columns: [],
                             until: .equal, rows: [[:]], timeoutMilliseconds: 5000)),
             #"{"columns":[],"op":"wait","rows":[{}],"table":"Open_vSwitch","timeout":5000,"until":"==","where":[["cur_cfg",">=",3]]}"#),
            (.wait(OVSDBWait(table: "Port", where: [], columns: ["qos"], until: .notEqual, rows: [], timeoutMilliseconds: nil)),
             #"{"columns":["qos"],"op":"wait","rows":[],"table":"Port","until":"!=","where":[]}"#),
            (.comment("patchbay: add-br br0"), #"{"comment":"patchbay: add-br br0","op":"comment"}"#),
            (.commit(durable: true), #"{"durable":true,"op":"commit"}"#),
            (.abort, #"{"op":"abort"}"#),
            (.assert(lock: "patchbay"), #"{"lock":"patchbay","op":"assert"}"#),
        ]
        for (operation, text) in cases {
            #expect(operation.json.text == text)
            #expect(try OVSDBOperation(json: JSONParser.parse(text)) == operation, "\(text)")
        }
    }

    @Test func everyCapturedOperationReadsAndWritesBack() throws {
        var operations = 0
        var kinds = Set<String>()
        for name in Fixture.names {
            for message in try Fixture.messages(name, .client) {
                guard case .request("transact", let params, _) = message else { continue }
                let (database, decoded) = try OVSDBRequest.transactOperations(params)
                #expect(database == "Open_vSwitch" || name == "echo-and-errors")
                for (operation, original) in zip(decoded, params.dropFirst()) {
                    // Written back, the same JSON value ovs-vsctl wrote.
                    #expect(operation.json == original, "\(name): \(original)")
                    kinds.insert(original["op"]?.stringValue ?? "")
                }
                operations += decoded.count
                #expect(OVSDBRequest.transact(database: database, decoded).params == params)
            }
        }
        #expect(operations == 90)
        #expect(kinds == ["insert", "select", "update", "mutate", "delete", "wait", "comment"])
    }

    @Test func conditionsAndMutations() throws {
        for function in OVSDBCondition.Function.allCases {
            let condition = OVSDBCondition("tag", function, .integer(1))
            #expect(condition.json.text == #"["tag","\#(function.rawValue)",1]"#)
            #expect(try OVSDBOperation(json: OVSDBOperation.select(table: "Port", where: [condition], columns: nil).json)
                == .select(table: "Port", where: [condition], columns: nil))
        }
        for mutator in OVSDBMutation.Mutator.allCases {
            let mutation = OVSDBMutation("trunks", mutator, .integers([1, 2]))
            #expect(mutation.json.text == #"["trunks","\#(mutator.rawValue)",["set",[1,2]]]"#)
        }
        #expect(OVSDBCondition("external_ids", .includes, .stringMap(["iface-id": "x"])).json.text
            == #"["external_ids","includes",["map",[["iface-id","x"]]]]"#)
    }

    @Test func malformedOperationsAreRefused() throws {
        let refused: [(String, String)] = [
            (#"{"op":"frob","table":"Port"}"#, "op"),
            (#"{"table":"Port","where":[]}"#, ""),
            (#"{"op":"select","where":[]}"#, ""),
            (#"{"op":"select","table":"Port"}"#, ""),
            (#"{"op":"select","table":"Port","where":[],"row":{}}"#, "row"),
            (#"{"op":"select","table":"Port","where":[["tag","~",1]]}"#, "where[0][1]"),
            (#"{"op":"select","table":"Port","where":[["tag","=="]]}"#, "where[0]"),
            (#"{"op":"select","table":"Port","where":{}}"#, "where"),
            (#"{"op":"select","table":"Port","where":[],"columns":[1]}"#, "columns[0]"),
            (#"{"op":"insert","table":"Port","row":{},"uuid-name":"1x"}"#, "uuid-name"),
            (#"{"op":"insert","table":"Port","row":[]}"#, "row"),
            (#"{"op":"mutate","table":"Port","where":[],"mutations":[["tag","^=",1]]}"#, "mutations[0][1]"),
            (#"{"op":"wait","table":"Port","where":[],"columns":[],"until":"<","rows":[]}"#, "until"),
            (#"{"op":"wait","table":"Port","where":[],"columns":[],"until":"==","rows":[],"timeout":1.5}"#, "timeout"),
            (#"{"op":"wait","table":"Port","where":[],"until":"==","rows":[]}"#, ""),
            (#"{"op":"comment"}"#, ""),
            (#"{"op":"commit","durable":"yes"}"#, "durable"),
            (#"{"op":"abort","table":"Port"}"#, "table"),
            (#"{"op":"update","table":"Port","where":[],"row":{"tag":null}}"#, "row.tag"),
        ]
        for (text, path) in refused {
            do {
                let operation = try OVSDBOperation(json: JSONParser.parse(text))
                Issue.record("\(text) read as \(operation)")
            } catch {
                #expect(error.location == .path(path), "\(text): \(error)")
            }
        }
    }
}

/// Transaction results (RFC 7047 §4.1.3, §5.2), from the captured replies.
@Suite struct OVSDBTransactionResultTests {
    @Test func aCommitFailureIsOneElementMore() throws {
        let operations = try Fixture.transaction("transact-constraint-violation")
        let result = try Fixture.transactionResult("transact-constraint-violation")
        #expect(operations.count == 4)
        #expect(result.results.count == 5)
        #expect(try result.uuid(at: 0) == OVSDBUUID("c2456c3a-412d-42cb-8c2b-7a72815c6646"))
        #expect(try result.count(at: 3) == 1)
        let failure = try #require(result.firstError)
        #expect(failure.index == 4)
        #expect(failure.error.error == "constraint violation")
        #expect(failure.error.details?.contains("identical values (br0) for index on column \"name\"") == true)
        #expect(failure.error.isConflict)
        #expect(result.json == (try JSONParser.parse(#"[{"uuid":["uuid","c2456c3a-412d-42cb-8c2b-7a72815c6646"]},{"uuid":["uuid","75fa3f08-db11-4c8a-af8c-a49bcc64a984"]},{"uuid":["uuid","c827a7f1-a64c-47fc-95aa-f84cc7b9f647"]},{"count":1},{"details":"Transaction causes multiple rows in \"Interface\" table to have identical values (br0) for index on column \"name\".  First row, with UUID 635802b2-5053-4f4d-ac7d-60b9e2c746cb, existed in the database before this transaction and was not modified by the transaction.  Second row, with UUID c2456c3a-412d-42cb-8c2b-7a72815c6646, was inserted by this transaction.","error":"constraint violation"}]"#)))
    }

    @Test func referentialIntegrity() throws {
        let result = try Fixture.transactionResult("transact-referential-integrity")
        let failure = try #require(result.firstError)
        #expect(failure.index == 1)
        #expect(failure.error.error == "referential integrity violation")
        #expect(failure.error.details == "Table Port column qos row ce04784c-e915-4b0d-ac89-8a9a4ef476f9 references nonexistent row 00000000-0000-0000-0000-00000000abcd in table QoS.")
        #expect(failure.error.isConflict)
    }

    @Test func aFailedWaitStopsTheRest() throws {
        let result = try Fixture.transactionResult("transact-wait-failed")
        #expect(result.results.count == 2)
        #expect(result.results[1] == nil)
        #expect(result.firstError?.index == 0)
        #expect(result.firstError?.error == OVSDBServerError(error: "timed out", details: "\"where\" clause test failed"))
        let timedOut = try Fixture.transactionResult("transact-wait-timed-out")
        #expect(timedOut.firstError?.error.details == "\"wait\" timed out after 200 ms")
        #expect(throws: OVSDBWireError.self) { try result.rows(at: 1) }
    }

    @Test func aSyntaxErrorNamesTheJSON() throws {
        let result = try Fixture.transactionResult("transact-unknown-column")
        let error = try #require(result.firstError?.error)
        #expect(error.error == "unknown column")
        #expect(error.syntax == #"["nosuch","==",1]"#)
        #expect(!error.isConflict)
    }

    @Test func selectsWaitsAndComments() throws {
        let wait = try Fixture.transactionResult("transact-wait-cur-cfg")
        #expect(wait.results == [.empty, .empty])
        #expect(wait.firstError == nil)
        let includes = try Fixture.transactionResult("transact-select-includes")
        #expect(try includes.rows(at: 0) == [])
        let select = try Fixture.transactionResult("transact-select-open-vswitch")
        let row = try #require(try select.rows(at: 0).first)
        #expect(row["cur_cfg"] == .integer(10))
        #expect(row["ovs_version"] == .empty)
        #expect(throws: OVSDBWireError.self) { try select.uuid(at: 0) }
        #expect(throws: OVSDBWireError.self) { try select.count(at: 0) }
        #expect(throws: OVSDBWireError.self) { try select.rows(at: 5) }
    }

    @Test func everyCapturedResultReadsBack() throws {
        var results = 0
        for name in Fixture.names {
            for message in try Fixture.messages(name, .client) {
                guard case .request("transact", _, let id) = message else { continue }
                let reply = try Fixture.messages(name, .server).first { $0.id == id && !Fixture.isRequest($0) }
                guard case .response(let json, _)? = reply else { continue }
                let result = try OVSDBTransactionResult(json: json)
                #expect(result.json == json)
                results += 1
            }
        }
        #expect(results == 18)
    }

    @Test func malformedResultsAreRefused() {
        for text in [#"{}"#, #"[7]"#, #"[{"uuid":"x"}]"#, #"[{"count":"1"}]"#, #"[{"rows":{}}]"#, #"[{"rows":[1]}]"#, #"[{"count":1,"rows":[]}]"#,
                     #"[{"error":7}]"#, #"[{"frob":1}]"#, #"[{"uuid":["named-uuid","a"]}]"#] {
            #expect(throws: OVSDBWireError.self, "\(text)") { try OVSDBTransactionResult(json: JSONParser.parse(text)) }
        }
        do {
            _ = try OVSDBTransactionResult(json: JSONParser.parse(#"[{},{"rows":[{"ofport":{}}]}]"#))
        } catch {
            #expect(error.location == .path("result[1].rows[0].ofport"))
        }
    }
}
