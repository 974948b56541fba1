import Foundation
import Logging
import OVSDBWire
import PatchbayIO
import PatchbayModel
import Synchronization
import Testing
@testable import OVSDBClient

/// The connection's JSON-RPC against a fake server: echo answered, replies matched by id in any
/// order, timeouts, garbage, a server that goes away.
@Suite struct OVSDBConnectionTests {
    let writer = IOThread(name: "test-ovsdb-write")

    func open(_ server: FakeOVSDBServer, onNotification: @escaping @Sendable (String, [JSONValue]) -> Void = { _, _ in },
              onClose: @escaping @Sendable (OVSDBClientError) -> Void = { _ in }) throws -> OVSDBConnection {
        try OVSDBConnection.open(socketPath: server.path, sendTimeout: .seconds(5), logger: Logger(label: "test"),
                                 onNotification: onNotification, onClose: onClose)
    }

    @Test func theServersEchoIsAnsweredWhileACallWaits() async throws {
        let server = try FakeOVSDBServer()
        server.serve { peer in
            guard case .request("list_dbs", _, let id) = try peer.next() else { throw POSIXError(.EPROTO) }
            peer.send(.request(method: "echo", params: ["ping", 1], id: "echo-1"))
            let echo = try peer.next()
            guard echo == .response(result: ["ping", 1], id: "echo-1") else { throw POSIXError(.EBADMSG) }
            peer.send(.response(result: ["Open_vSwitch"], id: id))
        }
        let connection = try open(server)
        defer { connection.close() }
        let result = try await connection.call(.listDatabases, timeout: .seconds(5), writer: writer)
        #expect(result == ["Open_vSwitch"])
        #expect(server.result() == nil)
    }

    @Test func repliesInAnyOrderReachTheirCalls() async throws {
        let server = try FakeOVSDBServer()
        server.serve { peer in
            var ids: [JSONValue] = []
            for _ in 0..<3 {
                guard case .request("echo", let params, let id) = try peer.next() else { throw POSIXError(.EPROTO) }
                _ = params
                ids.append(id)
            }
            // Answer the last first, all in one write, split oddly.
            let bytes = ids.reversed().flatMap { id in JSONRPCMessage.response(result: [.string("reply to \(id.text)")], id: id).serialized() }
            peer.send(Array(bytes[..<7]))
            usleep(20_000)
            peer.send(Array(bytes[7...]))
        }
        let connection = try open(server)
        defer { connection.close() }
        let writer = writer
        try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
            for index in 0..<3 {
                group.addTask {
                    (index, try await connection.call(.echo([.integer(Int64(index))]), timeout: .seconds(5), writer: writer))
                }
            }
            var replies: [Int: JSONValue] = [:]
            for try await (index, reply) in group { replies[index] = reply }
            #expect(replies.count == 3)
            // Each call got the reply with its own id (ids are 1, 2, 3 in the order calls registered).
            #expect(Set(replies.values.compactMap { $0.arrayValue?.first?.stringValue }) == ["reply to 1", "reply to 2", "reply to 3"])
        }
        #expect(server.result() == nil)
    }

    @Test func aCallWithoutAnswerTimesOutAndTheConnectionLives() async throws {
        let server = try FakeOVSDBServer()
        server.serve { peer in
            guard case .request(_, _, let slow) = try peer.next() else { throw POSIXError(.EPROTO) }
            guard case .request(_, _, let fast) = try peer.next() else { throw POSIXError(.EPROTO) }
            // The late answer to the call that timed out is dropped; the next call is answered.
            peer.send(.response(result: "late", id: slow))
            peer.send(.response(result: "fast", id: fast))
            _ = peer.waitForClose()
        }
        let connection = try open(server)
        // The reason says the call's own timeout ended it (no wall-clock bound: a loaded machine
        // may take longer to wake the reader, and timing belongs in benchmarks).
        let error = await #expect(throws: OVSDBClientError.self) {
            try await connection.call(.echo(), timeout: .milliseconds(300), writer: writer)
        }
        guard case .timedOut? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        #expect(error?.method == "echo")
        #expect(error?.description.contains(server.path) == true)
        #expect(try await connection.call(.listDatabases, timeout: .seconds(5), writer: writer) == "fast")
        #expect(!connection.isClosed)
        connection.close()
        #expect(server.result() == nil)
    }

    @Test func garbageFromTheServerEndsTheConnection() async throws {
        let server = try FakeOVSDBServer()
        server.serve { peer in
            _ = try peer.next()
            peer.send(Array(#"{"id":1,"result":[1,]}"#.utf8))
            _ = peer.waitForClose()
        }
        let closed = CallCounter()
        let connection = try open(server, onClose: { _ in closed.increment() })
        let error = await #expect(throws: OVSDBClientError.self) {
            try await connection.call(.listDatabases, timeout: .seconds(5), writer: writer)
        }
        guard case .malformed(let wire)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        #expect(wire.reason == .syntax)
        #expect(await closed.wait(for: 1))
        #expect(connection.isClosed)
        // A closed connection refuses calls at once.
        let again = await #expect(throws: OVSDBClientError.self) { try await connection.call(.echo(), timeout: .seconds(5), writer: writer) }
        guard case .malformed? = again?.reason else { Issue.record("\(String(describing: again))"); return }
        #expect(server.result() == nil)
    }

    @Test func aServerThatGoesAwayFailsTheCallsInFlight() async throws {
        let server = try FakeOVSDBServer()
        server.serve { peer in _ = try peer.next() }
        let connection = try open(server)
        let error = await #expect(throws: OVSDBClientError.self) {
            try await connection.call(.listDatabases, timeout: .seconds(5), writer: writer)
        }
        guard case .disconnected(let why)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        #expect(why == "ovsdb-server closed the connection")
        let patchbay = PatchbayError(error!, doing: "list databases")
        #expect(patchbay.code == .unavailable)
        #expect(patchbay.message.contains(server.path))
    }

    @Test func notificationsAndUnknownRequests() async throws {
        let server = try FakeOVSDBServer()
        server.serve { peer in
            peer.send(.notification(method: "update", params: ["m", ["Interface": [:]]]))
            peer.send(.request(method: "frob", params: [], id: 99))
            guard try peer.next() == .errorResponse(error: "unknown method", id: 99) else { throw POSIXError(.EBADMSG) }
            peer.send(.notification(method: "locked", params: ["x"]))
            _ = peer.waitForClose()
        }
        let methods = Mutex<[String]>([])
        let seen = CallCounter()
        let connection = try open(server, onNotification: { method, _ in
            methods.withLock { $0.append(method) }
            seen.increment()
        })
        #expect(await seen.wait(for: 2))
        #expect(methods.withLock { $0 } == ["update", "locked"])
        connection.close()
        #expect(server.result() == nil)
    }

    @Test func aCancelledCallEndsAtOnce() async throws {
        let server = try FakeOVSDBServer()
        server.serve { peer in
            _ = try peer.next()
            _ = peer.waitForClose()
        }
        let connection = try open(server)
        defer { connection.close() }
        let writer = writer
        let call = Task { try await connection.call(.echo(), timeout: .seconds(30), writer: writer) }
        try await Task.sleep(for: .milliseconds(100))
        call.cancel()
        let result = await call.result
        guard case .failure(let error as OVSDBClientError) = result, case .cancelled = error.reason else {
            Issue.record("\(result)"); return
        }
        #expect(!connection.isClosed)
    }

    @Test func connectingToNothing() {
        let error = #expect(throws: OVSDBClientError.self) {
            try OVSDBConnection.open(socketPath: "/nonexistent/ovsdb.sock", sendTimeout: .seconds(1), logger: Logger(label: "test"))
        }
        guard case .cannotConnect(let errno)? = error?.reason else { Issue.record("\(String(describing: error))"); return }
        #expect(errno == ENOENT)
        let long = String(repeating: "x", count: 200)
        let tooLong = #expect(throws: OVSDBClientError.self) {
            try OVSDBConnection.open(socketPath: "/tmp/" + long, sendTimeout: .seconds(1), logger: Logger(label: "test"))
        }
        guard case .cannotConnect(let code)? = tooLong?.reason else { Issue.record("\(String(describing: tooLong))"); return }
        #expect(code == ENAMETOOLONG)
    }
}
