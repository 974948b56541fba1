import Foundation
import Synchronization

/// An Open vSwitch of a test's own: `ovsdb-server` and `ovs-vswitchd` (userspace datapath: this
/// kernel has no openvswitch module) running inside the test's network namespace, with their own
/// database, run and log directories, so nothing is shared with the host's OVS (if any) or with
/// another test. `OVSInstance.with` removes all of it however the test ends.
///
/// Bridges must use `datapath_type=netdev`; ovs-vswitchd then makes each bridge's device (a TAP)
/// inside the namespace, and opens the namespace's devices (TAPs, veths) added as ports.
///
/// ```swift
/// try await TestNamespace.with { namespace in
///     try await OVSInstance.with(in: namespace) { ovs in
///         let ovsSwitch = OVSDBSwitch(socketPath: ovs.socketPath, logger: logger)
///         // or: patchbayd inside `namespace` with `--ovsdb \(ovs.socketPath)`
///         _ = try ovs.vsctl(["add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev"])
///     }
/// }
/// ```
public final class OVSInstance: Sendable {
    public let namespace: TestNamespace
    public let directory: String
    public var runDirectory: String { directory + "/run" }
    public var databaseDirectory: String { directory + "/db" }
    public var logDirectory: String { directory + "/log" }
    public var databasePath: String { databaseDirectory + "/conf.db" }
    /// ovsdb-server's socket: what `OVSDBSwitch(socketPath:)` and `patchbayd --ovsdb` are given.
    public var socketPath: String { runDirectory + "/db.sock" }
    public var serverLogPath: String { logDirectory + "/ovsdb-server.log" }
    public var vswitchdLogPath: String { logDirectory + "/ovs-vswitchd.log" }
    public var serverControlPath: String { runDirectory + "/ovsdb-server.ctl" }
    public var vswitchdControlPath: String { runDirectory + "/ovs-vswitchd.ctl" }

    /// OVS_RUNDIR, OVS_DBDIR and OVS_LOGDIR pointing at this instance: every OVS program run with
    /// it finds this instance's sockets and files, never the host's.
    public var environment: [String: String] {
        ["OVS_RUNDIR": runDirectory, "OVS_DBDIR": databaseDirectory, "OVS_LOGDIR": logDirectory]
    }

    private let server = Mutex<ChildProcess?>(nil)
    private let vswitchd = Mutex<ChildProcess?>(nil)

    /// Creates the database (from the installed `vswitch.ovsschema`) and starts ovsdb-server, then
    /// ovs-vswitchd unless `startVswitchd` is false; returns once both answer.
    public init(namespace: TestNamespace, startVswitchd: Bool = true,
                schemaPath: String = "/usr/share/openvswitch/vswitch.ovsschema") throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ovsdb-server") || (try? Command.resolve("ovsdb-server")) != nil else {
            throw HarnessError("this test needs Open vSwitch (apt-get install openvswitch-switch)")
        }
        self.namespace = namespace
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("patchbay-ovs-\(namespace.name)").path
        do {
            for dir in [runDirectory, databaseDirectory, logDirectory] {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            try Command.check("ovsdb-tool", ["create", databasePath, schemaPath], environment: environment)
            try startServer()
            _ = try vsctl(["--no-wait", "init"])
            if startVswitchd { try self.startVswitchd() }
        } catch {
            stop()
            throw error
        }
    }

    /// An instance in `namespace` for the length of `body`, then stopped and removed.
    public static func with<T>(in namespace: TestNamespace, startVswitchd: Bool = true,
                               _ body: (OVSInstance) async throws -> T) async throws -> T {
        let instance = try OVSInstance(namespace: namespace, startVswitchd: startVswitchd)
        defer { instance.stop() }
        return try await body(instance)
    }

    // MARK: - The daemons

    /// Starts ovsdb-server on the existing database and waits until it answers.
    public func startServer() throws {
        let child = try ChildProcess("ip", ["netns", "exec", namespace.name, "ovsdb-server", databasePath,
                                            "--remote=punix:\(socketPath)", "--unixctl=\(serverControlPath)",
                                            "--pidfile=\(runDirectory)/ovsdb-server.pid", "--log-file=\(serverLogPath)",
                                            "--no-chdir", "-vconsole:off"],
                                     outputPath: logDirectory + "/ovsdb-server.out", environment: environment)
        server.withLock { $0 = child }
        try waitUntil("ovsdb-server answers on \(socketPath)", log: serverLogPath) {
            guard child.isRunning else { throw HarnessError("ovsdb-server exited with \(child.exitCode ?? -1):\n\(self.logs(serverLogPath))") }
            return FileManager.default.fileExists(atPath: socketPath)
                && (try? Command.run("ovs-vsctl", ["--db=unix:\(socketPath)", "--no-wait", "--timeout=2", "show"],
                                     environment: environment))?.succeeded == true
        }
    }

    /// Stops ovsdb-server (SIGTERM, then SIGKILL); its socket goes with it.
    public func stopServer() {
        server.withLock { child in
            child?.stop()
            child = nil
        }
        try? FileManager.default.removeItem(atPath: socketPath)
    }

    public func restartServer() throws {
        stopServer()
        try startServer()
    }

    /// Starts ovs-vswitchd in the namespace and waits until it has applied the database as it is:
    /// a write that changes nothing still bumps `next_cfg`, and ovs-vsctl waits for `cur_cfg`.
    /// `binary`: `/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk` for the DPDK build (see
    /// `HugePages` and `enableDPDK`).
    public func startVswitchd(binary: String = "ovs-vswitchd") throws {
        let child = try ChildProcess("ip", ["netns", "exec", namespace.name, binary, "unix:\(socketPath)",
                                            "--unixctl=\(vswitchdControlPath)", "--pidfile=\(runDirectory)/ovs-vswitchd.pid",
                                            "--log-file=\(vswitchdLogPath)", "--no-chdir", "-vconsole:off"],
                                     outputPath: logDirectory + "/ovs-vswitchd.out", environment: environment)
        vswitchd.withLock { $0 = child }
        try waitUntil("ovs-vswitchd answers on \(vswitchdControlPath)", log: vswitchdLogPath) {
            guard child.isRunning else { throw HarnessError("ovs-vswitchd exited with \(child.exitCode ?? -1):\n\(self.logs(vswitchdLogPath))") }
            return (try? Command.run("ovs-appctl", ["-t", vswitchdControlPath, "version"], environment: environment))?.succeeded == true
        }
        _ = try vsctl(["--timeout=30", "remove", "Open_vSwitch", ".", "external_ids", "patchbay-test-sync"])
    }

    public func stopVswitchd() {
        vswitchd.withLock { child in
            child?.stop()
            child = nil
        }
    }

    /// Stops ovs-vswitchd and starts it again: the database keeps every bridge and port, and the
    /// new ovs-vswitchd makes their devices again.
    public func restartVswitchd() throws {
        stopVswitchd()
        try startVswitchd()
    }

    /// The DPDK build of ovs-vswitchd: what the EAL needs on these machines (no PCI devices to
    /// take, hugepages from `hugeDirectory`, one lcore, a PMD thread on core 1 that sleeps when
    /// idle so two TCG guests keep a core), then ovs-vswitchd-dpdk itself. docs/ovs-dpdk-findings.md
    /// says why each setting is there.
    public func startDPDKVswitchd(hugeDirectory: String, socketMemoryMB: Int = 512) throws {
        let prefix = "pb" + String(namespace.name.suffix(10))
        _ = try vsctl(["--no-wait", "set", "Open_vSwitch", ".", "other_config:dpdk-init=true",
                       "other_config:dpdk-socket-mem=\(socketMemoryMB)", "other_config:dpdk-lcore-mask=0x1",
                       "other_config:per-port-memory=true", "other_config:pmd-cpu-mask=0x2", "other_config:pmd-maxsleep=1000",
                       "other_config:dpdk-extra=--no-pci --huge-dir=\(hugeDirectory) --file-prefix=\(prefix)"])
        try startVswitchd(binary: "/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk")
        try waitUntil("DPDK initialised", log: vswitchdLogPath) {
            (try? vsctl(["get", "Open_vSwitch", ".", "dpdk_initialized"]))?.contains("true") == true
        }
    }

    public var isVswitchdRunning: Bool { vswitchd.withLock { $0?.isRunning ?? false } }

    /// Stops both daemons and removes the instance's files. Safe to call twice.
    public func stop() {
        stopVswitchd()
        stopServer()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Reading back

    /// `ovs-vsctl --db=unix:SOCKET --timeout=20 ARGS`, its output; throws when it fails. Reading
    /// back with ovs-vsctl checks Patchbay's OVSDB client against OVS's own.
    @discardableResult
    public func vsctl(_ arguments: [String]) throws -> String {
        let result = try vsctlResult(arguments)
        guard result.succeeded else { throw CommandFailure(command: ["ovs-vsctl"] + arguments, result: result) }
        return result.stdout
    }

    /// `ovs-vsctl ARGS` as it ended, for tests that expect a failure.
    public func vsctlResult(_ arguments: [String]) throws -> CommandResult {
        let timeout = arguments.contains { $0.hasPrefix("--timeout") } ? [] : ["--timeout=20"]
        return try Command.run("ovs-vsctl", ["--db=unix:\(socketPath)"] + timeout + arguments, environment: environment)
    }

    /// `ovs-vsctl get TABLE RECORD COLUMN`, trimmed: `"netdev"`, `10`, `[10, 20]`,
    /// `{iface-id="..."}` as ovs-vsctl prints them.
    public func get(_ table: String, _ record: String, _ column: String) throws -> String {
        try vsctl(["get", table, record, column]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `ovs-vsctl --format=json --columns=... list TABLE [RECORD]`, as one dictionary per row from
    /// column name to its OVSDB JSON value (`"br0"`, `["set",[]]`, `["map",[["k","v"]]]`, `["uuid","..."]`).
    public func list(_ table: String, _ record: String? = nil, columns: [String]? = nil) throws -> [[String: Any]] {
        var arguments = ["--format=json"]
        if let columns { arguments.append("--columns=" + columns.joined(separator: ",")) }
        arguments += ["list", table] + (record.map { [$0] } ?? [])
        let text = try vsctl(arguments)
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let headings = object["headings"] as? [String], let data = object["data"] as? [[Any]] else {
            throw HarnessError("ovs-vsctl list \(table) printed no table: \(text)")
        }
        return data.map { Dictionary(uniqueKeysWithValues: zip(headings, $0)) }
    }

    /// A string map column (`external_ids`, `options`, `other_config`) of a `list` row.
    public static func map(_ value: Any?) -> [String: String] {
        guard let array = value as? [Any], array.count == 2, array[0] as? String == "map", let pairs = array[1] as? [[Any]] else { return [:] }
        return Dictionary(pairs.compactMap { pair in
            guard pair.count == 2, let key = pair[0] as? String else { return nil }
            return (key, pair[1] as? String ?? "\(pair[1])")
        }, uniquingKeysWith: { $1 })
    }

    /// The atoms of a set column of a `list` row (a bare atom is a set of one).
    public static func set(_ value: Any?) -> [Any] {
        if let array = value as? [Any], array.count == 2, let tag = array[0] as? String {
            if tag == "set" { return array[1] as? [Any] ?? [] }
            if tag == "uuid" { return [array[1]] }
        }
        return value.map { [$0] } ?? []
    }

    /// The log of either daemon, for failure messages.
    public func logs(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Polls `condition` (every 20 ms, then more slowly) until it holds, for at most `seconds`:
    /// waiting for a state, never for a fixed time.
    public func waitUntil(_ what: String, seconds: Double = 20, log: String? = nil, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        var pause: useconds_t = 20_000
        while true {
            if try condition() { return }
            if Date() >= deadline {
                throw HarnessError("timed out after \(seconds) s waiting until \(what)" + (log.map { ":\n" + logs($0) } ?? ""))
            }
            usleep(pause)
            pause = min(pause * 2, 200_000)
        }
    }
}
