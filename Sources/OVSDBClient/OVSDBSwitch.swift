import Logging
import OVSDBWire
import PatchbayEngine
import PatchbayIO
import PatchbayModel
import Synchronization

/// `OVSManaging` spoken to ovsdb-server itself (RFC 7047 over its unix socket), with no
/// ovs-vsctl: a daemon that forks a command per port change pays a process start each time and
/// parses text meant for people; the database answers in typed JSON and tells exactly which
/// operation failed and why.
///
/// Each method writes one transaction as ovs-vsctl writes the same command (`VSwitchTransaction`),
/// after the reads it needs, and then waits, like ovs-vsctl without `--no-wait`, until
/// ovs-vswitchd has applied it (`cur_cfg` reaching the transaction's `next_cfg`), so a bridge's
/// device exists when `createBridge` returns. When ovs-vswitchd does not catch up within
/// `reconfigureTimeout` the change stays committed (ovs-vswitchd applies it when it runs) and a
/// warning is logged. A transaction whose reads went stale meanwhile (its `wait` failed) is read
/// and written again, up to five times.
///
/// One connection serves every call, opened at the first and again after it broke (ovsdb-server
/// restarted); `watch` has a connection of its own for its monitor. Connecting and writing run on
/// the switch's `IOThread`, reading on each connection's thread, so no task of the concurrency
/// pool blocks.
public final class OVSDBSwitch: OVSManaging {
    public let socketPath: String
    let logger: Logger
    /// How long a call waits for its answer.
    let timeout: Duration
    /// How long a change waits for ovs-vswitchd to apply it.
    let reconfigureTimeout: Duration
    let thread: IOThread
    private let shared = Mutex<OVSDBConnection?>(nil)

    public init(socketPath: String = "/var/run/openvswitch/db.sock", logger: Logger, timeout: Duration = .seconds(10),
                reconfigureTimeout: Duration = .seconds(5)) {
        self.socketPath = socketPath
        self.logger = logger
        self.timeout = timeout
        self.reconfigureTimeout = reconfigureTimeout
        thread = IOThread(name: "patchbay-ovsdb-write")
    }

    deinit {
        shared.withLock { $0?.close() }
    }

    static let database = VSwitchTransaction.database

    // MARK: - Calls

    /// The shared connection, opened (again) when there is none or it broke.
    private func connection(doing what: String) async throws(PatchbayError) -> OVSDBConnection {
        if let connection = shared.withLock({ $0 }), !connection.isClosed { return connection }
        let socketPath = socketPath, timeout = timeout, logger = logger
        do {
            return try await thread.run { [self] () throws(OVSDBClientError) -> OVSDBConnection in
                // Another call may have connected while this one waited for the thread.
                if let connection = shared.withLock({ $0 }), !connection.isClosed { return connection }
                let connection = try OVSDBConnection.open(socketPath: socketPath, sendTimeout: timeout, logger: logger)
                shared.withLock { $0 = connection }
                logger.debug("connected to ovsdb-server", metadata: ["socket": "\(socketPath)"])
                return connection
            }
        } catch {
            throw PatchbayError(error, doing: what)
        }
    }

    /// One JSON-RPC call on the shared connection.
    func call(_ request: OVSDBRequest, timeout: Duration? = nil, doing what: String) async throws(PatchbayError) -> JSONValue {
        let connection = try await connection(doing: what)
        do {
            return try await connection.call(request, timeout: timeout ?? self.timeout, writer: thread)
        } catch {
            throw PatchbayError(error, doing: what)
        }
    }

    /// A transaction's result, or the error of the operation that failed.
    func transact(_ operations: [OVSDBOperation], doing what: String) async throws(PatchbayError) -> OVSDBTransactionResult {
        switch try await transactAllowingStale(operations, doing: what) {
        case .committed(let result): return result
        case .stale(let error): throw PatchbayError(error, operation: 0, of: operations, doing: what)
        }
    }

    enum Outcome {
        case committed(OVSDBTransactionResult)
        /// The first operation, a `wait` on what was read, failed: read again and retry.
        case stale(OVSDBServerError)
    }

    func transactAllowingStale(_ operations: [OVSDBOperation], doing what: String) async throws(PatchbayError) -> Outcome {
        let json = try await call(.transact(database: Self.database, operations), doing: what)
        let result: OVSDBTransactionResult
        do {
            result = try OVSDBTransactionResult(json: json)
        } catch {
            throw PatchbayError(error, socketPath: socketPath, doing: what)
        }
        if let (index, error) = result.firstError {
            if index == 0, case .wait = operations[0], error.error == "timed out" { return .stale(error) }
            throw PatchbayError(error, operation: index, of: operations, doing: what)
        }
        guard result.results.count >= operations.count else {
            throw PatchbayError(.internal, "cannot \(what): ovsdb-server answered \(result.results.count) of \(operations.count) operations")
        }
        return .committed(result)
    }

    /// Runs `attempt` (read, then a transaction guarded by a `wait` on what it read) until it
    /// commits; nil from `attempt` means its reads went stale.
    func retryingStaleReads<T>(doing what: String, _ attempt: () async throws(PatchbayError) -> T?) async throws(PatchbayError) -> T {
        for round in 1...5 {
            if let value = try await attempt() { return value }
            logger.debug("ovsdb transaction raced another client; reading again", metadata: ["operation": "\(what)", "round": "\(round)"])
        }
        throw PatchbayError(.conflict, "cannot \(what): the Open vSwitch database kept changing between Patchbay's reads and its write")
    }

    /// Reads the rows of several selects in one transaction (one consistent snapshot).
    func select(_ selects: [OVSDBOperation], doing what: String) async throws(PatchbayError) -> [[OVSDBRow]] {
        guard !selects.isEmpty else { return [] }
        let result = try await transact(selects, doing: what)
        var rows: [[OVSDBRow]] = []
        for index in selects.indices {
            do {
                rows.append(try result.rows(at: index))
            } catch {
                throw PatchbayError(error, socketPath: socketPath, doing: what)
            }
        }
        return rows
    }

    /// Decodes rows, turning a decoding error into a `PatchbayError`.
    func decode<T>(_ what: String, _ body: () throws(OVSDBWireError) -> T) throws(PatchbayError) -> T {
        do {
            return try body()
        } catch {
            throw PatchbayError(error, socketPath: socketPath, doing: what)
        }
    }

    /// The root row's UUID from a select of `Open_vSwitch`.
    func rootUUID(_ rows: [OVSDBRow], doing what: String) throws(PatchbayError) -> OVSDBUUID {
        guard let row = rows.first else {
            throw PatchbayError(.unavailable,
                                "cannot \(what): the Open vSwitch database at \(socketPath) has no Open_vSwitch row: it was never initialized (run `ovs-vsctl --no-wait init`, as the openvswitch-switch service does at start)")
        }
        return try decode(what) { () throws(OVSDBWireError) in try OVSDBRowReader(table: OVSDBOpenVSwitchRow.table, uuid: nil, row: row).rowUUID() }
    }

    static let selectRoot = OVSDBOperation.select(table: OVSDBOpenVSwitchRow.table, where: [], columns: ["_uuid"])

    /// Commits `transaction`, then waits for ovs-vswitchd to apply it. `nil` when its reads went
    /// stale.
    func commit(_ transaction: VSwitchTransaction, root: OVSDBUUID, doing what: String) async throws(PatchbayError) -> OVSDBTransactionResult? {
        guard case .committed(let result) = try await transactAllowingStale(transaction.operations, doing: what) else { return nil }
        let nextCfg = try decode(what) { () throws(OVSDBWireError) in try transaction.nextCfg(in: result) }
        await waitForVswitchd(root: root, nextCfg: nextCfg, doing: what)
        return result
    }

    /// Waits until ovs-vswitchd has applied `nextCfg`, at most `reconfigureTimeout`; logs instead
    /// of failing, since the change itself is committed.
    func waitForVswitchd(root: OVSDBUUID, nextCfg: Int64, doing what: String) async {
        let request = VSwitchTransaction.waitForReconfiguration(root: root, nextCfg: nextCfg, timeoutMilliseconds: reconfigureTimeout.milliseconds)
        do {
            let json = try await call(request, timeout: timeout + reconfigureTimeout, doing: what)
            let result = try? OVSDBTransactionResult(json: json)
            if let (_, error) = result?.firstError {
                logger.warning("ovs-vswitchd has not applied the change within \(reconfigureTimeout.seconds) s; it is committed and applies when ovs-vswitchd runs: is ovs-vswitchd running?",
                               metadata: ["operation": "\(what)", "next_cfg": "\(nextCfg)", "error": "\(error)"])
            }
        } catch {
            logger.warning("could not wait for ovs-vswitchd to apply the change", metadata: ["operation": "\(what)", "error": "\(error)"])
        }
    }
}
