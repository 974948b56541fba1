import OVSDBWire
import Testing

/// JSON-RPC 1.0 as OVSDB uses it (RFC 7047 §4), read from the captured sessions and written back.
@Suite struct JSONRPCMessageTests {
    func message(_ text: String) throws(OVSDBWireError) -> JSONRPCMessage {
        try JSONRPCMessage(bytes: Array(text.utf8))
    }

    @Test func everyCapturedMessageIsJSONRPC() throws {
        var requests = 0, responses = 0, errors = 0, notifications = 0
        for name in Fixture.names {
            for side in [Fixture.Side.client, .server] {
                for message in try Fixture.messages(name, side) {
                    switch message {
                    case .request: requests += 1
                    case .response: responses += 1
                    case .errorResponse: errors += 1
                    case .notification: notifications += 1
                    }
                    // Written back and read again, it is the same message.
                    #expect(try JSONRPCMessage(bytes: message.serialized()) == message)
                }
            }
        }
        #expect(requests == 43)
        #expect(responses == 41)
        #expect(errors == 2)
        #expect(notifications == 21)
    }

    @Test func requestsAndResponsesCorrelateByID() throws {
        let (request, reply) = try Fixture.exchange("client-monitor", method: "monitor")
        guard case .request("monitor", let params, .integer(3)) = request else { Issue.record("\(request)"); return }
        #expect(params.count == 3)
        #expect(params[0] == "Open_vSwitch")
        #expect(params[1] == nil)
        guard case .response(let result, .integer(3)) = reply else { Issue.record("\(reply)"); return }
        #expect(result["Interface"] != nil)
    }

    @Test func notificationsHaveANullID() throws {
        let updates = try Fixture.messages("client-monitor", .server).filter {
            if case .notification("update", _) = $0 { true } else { false }
        }
        #expect(updates.count == 3)
        #expect(updates.allSatisfy { $0.id == nil })
        #expect(updates[0].json["id"] == .null)
        // ovs-vsctl's monitor_cond_since gets update3 notifications.
        let update3 = try Fixture.messages("add-port", .server).contains {
            if case .notification("update3", _) = $0 { true } else { false }
        }
        #expect(update3)
    }

    @Test func theServersEchoReplyAndOurs() throws {
        let (request, reply) = try Fixture.exchange("echo-and-errors", method: "echo")
        // What the server answered to an echo is what a client answers to the server's echo.
        #expect(request.echoReply == reply)
        #expect(reply == .response(result: ["patchbay", 1], id: "echo"))
        let serverEcho = try message(#"{"id":"echo","method":"echo","params":[]}"#)
        #expect(serverEcho.echoReply?.text == #"{"error":null,"id":"echo","result":[]}"#)
        #expect(try message(#"{"id":5,"method":"list_dbs","params":[]}"#).echoReply == nil)
        #expect(OVSDBRequest.echo().message(id: 1).text == #"{"id":1,"method":"echo","params":[]}"#)
    }

    @Test func errorRepliesCarryTheServersError() throws {
        let unknownMethod = try Fixture.exchange("echo-and-errors", method: "nosuch").reply
        guard case .errorResponse(let error, .integer(7)) = unknownMethod else { Issue.record("\(unknownMethod)"); return }
        // A bare string, and no "result" member at all.
        #expect(error == "unknown method")
        #expect(try OVSDBServerError(json: error) == OVSDBServerError(error: "unknown method"))

        let unknownDatabase = try Fixture.exchange("echo-and-errors", method: "transact").reply
        guard case .errorResponse(let object, .integer(8)) = unknownDatabase else { Issue.record("\(unknownDatabase)"); return }
        let server = try OVSDBServerError(json: object)
        #expect(server.error == "unknown database")
        #expect(server.details == "transact request specifies unknown database NoSuchDB")
        #expect(server.syntax == #"["NoSuchDB",{"comment":"x","op":"comment"}]"#)
        #expect(server.description == "unknown database: transact request specifies unknown database NoSuchDB")
    }

    @Test func twoRepliesInOneRead() throws {
        let replies = try Fixture.messages("echo-and-errors", .server)
        #expect(replies.suffix(2).map(\.id) == [.integer(10), .integer(11)])
        #expect(replies.last == .response(result: ["Open_vSwitch", "_Server"], id: 11))
    }

    @Test func encodingFollowsJSONRPC10() {
        #expect(JSONRPCMessage.request(method: "transact", params: ["Open_vSwitch"], id: 4).text
            == #"{"id":4,"method":"transact","params":["Open_vSwitch"]}"#)
        #expect(JSONRPCMessage.notification(method: "update", params: [nil, [:]]).text == #"{"id":null,"method":"update","params":[null,{}]}"#)
        #expect(JSONRPCMessage.response(result: [], id: 2).text == #"{"error":null,"id":2,"result":[]}"#)
        #expect(JSONRPCMessage.errorResponse(error: "unknown method", id: 2).text == #"{"error":"unknown method","id":2,"result":null}"#)
    }

    @Test func readingIsStrict() throws {
        // A missing id is a notification (JSON-RPC 1.0 writes null; a missing one means the same).
        #expect(try message(#"{"method":"update","params":[]}"#) == .notification(method: "update", params: []))
        #expect(try message(#"{"id":1,"result":null,"error":null}"#) == .response(result: nil, id: 1))
        // A response's id may be null (the server answering a request it could not read).
        #expect(try message(#"{"id":null,"error":"bad"}"#) == .errorResponse(error: "bad", id: nil))
        let refused: [(String, OVSDBWireError.Reason)] = [
            ("[]", .unexpectedValue),
            (#""echo""#, .unexpectedValue),
            (#"{"method":"echo","id":1}"#, .missingMember),
            (#"{"method":"echo","params":{},"id":1}"#, .unexpectedValue),
            (#"{"method":7,"params":[],"id":1}"#, .unexpectedValue),
            (#"{"method":"echo","params":[],"id":1,"jsonrpc":"2.0"}"#, .unexpectedValue),
            (#"{"result":[],"error":null}"#, .missingMember),
            (#"{"id":1}"#, .missingMember),
            (#"{"id":1,"error":null}"#, .missingMember),
            (#"{"id":1,"result":[],"extra":1}"#, .unexpectedValue),
            ("{}", .missingMember),
        ]
        for (text, reason) in refused {
            #expect(throws: OVSDBWireError.self, "\(text)") { _ = try message(text) }
            #expect((try? message(text)) == nil)
            do { _ = try message(text) } catch { #expect(error.reason == reason, "\(text): \(error)") }
        }
        do {
            _ = try message(#"{"method":"echo","params":[],"id":1,"jsonrpc":"2.0"}"#)
        } catch {
            #expect(error.location == .path("jsonrpc"))
            #expect(error.description == #"unexpected OVSDB data at jsonrpc: unexpected member "jsonrpc""#)
        }
    }

    @Test func theRequestsPatchbaySends() {
        let monitor = OVSDBRequest.monitor(database: "Open_vSwitch", id: "patchbay-watch", [
            "Interface": OVSDBMonitorRequest(columns: ["name", "ofport"], select: .init(initial: false)),
        ])
        #expect(monitor.message(id: 1).text
            == #"{"id":1,"method":"monitor","params":["Open_vSwitch","patchbay-watch",{"Interface":{"columns":["name","ofport"],"select":{"delete":true,"initial":false,"insert":true,"modify":true}}}]}"#)
        #expect(OVSDBRequest.monitorCancel(id: "patchbay-watch").message(id: 2).text
            == #"{"id":2,"method":"monitor_cancel","params":["patchbay-watch"]}"#)
        #expect(OVSDBRequest.listDatabases.message(id: 0).text == #"{"id":0,"method":"list_dbs","params":[]}"#)
        // ovsdb-client's monitor request, as we would write it, is what it sent.
        let client = OVSDBRequest.monitor(database: "Open_vSwitch", id: nil, [
            "Interface": OVSDBMonitorRequest(columns: ["name", "ofport", "link_state", "external_ids", "error"]),
        ])
        let sent = try? Fixture.exchange("client-monitor", method: "monitor").request
        // ovsdb-client writes the table's requests as an array of one; ovsdb-server reads both forms.
        guard case .request(_, let params, _)? = sent else { Issue.record("no monitor request"); return }
        #expect(params[2]["Interface"]?.arrayValue?.first == client.params[2]["Interface"])
    }
}
