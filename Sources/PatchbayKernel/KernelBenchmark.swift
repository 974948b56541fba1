import CPatchbay
import Foundation
import Glibc
import Netlink
import PatchbayEngine
import PatchbayIO
import PatchbayModel
import Synchronization

/// `NetworkBenchmarking` on the kernel. Namespaces are made as `ip netns add` makes them (a
/// thread unshares, its namespace is bind-mounted under /run/netns) and configured over a
/// netlink session opened inside them. The measurements never move the daemon: every socket is
/// created by a thread that has entered the end's namespace for that one call (a socket keeps
/// its namespace), and iperf3 is started by posix_spawn from such a thread, so the child starts
/// inside. Each measurement runs on a thread of its own, since it blocks for seconds.
public final class KernelBenchmark: NetworkBenchmarking {
    private let thread = IOThread(name: "patchbay-bench")
    /// iperf3's path, found on the daemon's PATH at start; nil: Patchbay's own sender and receiver.
    public let iperf3Path: String?

    public init(iperf3Path: String? = KernelBenchmark.findIPerf3()) {
        self.iperf3Path = iperf3Path
    }

    public static func findIPerf3() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/iperf3" }.first { access($0, X_OK) == 0 }
    }

    static func namespacePath(_ name: String?) -> String? { name.map { "/run/netns/\($0)" } }

    public func createNamespace(_ name: String) async throws(PatchbayError) {
        try await thread.run { () throws(PatchbayError) in
            let rc = cpatchbay_netns_create("/run/netns/\(name)")
            if rc < 0 { throw PatchbayError(.kernel, "cannot create network namespace \(name)", cause: String(cString: strerror(-rc))) }
        }
    }

    public func deleteNamespace(_ name: String) async throws(PatchbayError) {
        try await thread.run { () throws(PatchbayError) in
            let rc = cpatchbay_netns_delete("/run/netns/\(name)")
            if rc < 0 { throw PatchbayError(.kernel, "cannot delete network namespace \(name)", cause: String(cString: strerror(-rc))) }
        }
    }

    public func configure(namespace: String, device: String, address: InterfaceAddress) async throws(PatchbayError) {
        try await thread.run { () throws(PatchbayError) in
            try translatingKernelErrors { () throws(NetlinkError) in
                let session = try NetlinkSession(namespacePath: "/run/netns/\(namespace)")
                try session.setLinkUp(named: "lo")
                try session.addAddress(address, to: device)
                try session.setLinkUp(named: device)
            }
        }
    }

    public func address(namespace: String, device: String, in subnet: InterfaceAddress) async throws(PatchbayError) -> IPAddress? {
        try await thread.run { () throws(PatchbayError) -> IPAddress? in
            try translatingKernelErrors { () throws(NetlinkError) -> IPAddress? in
                let session = try NetlinkSession(namespacePath: "/run/netns/\(namespace)")
                guard try session.link(named: device) != nil else { return nil }
                return try session.addresses(of: device).map(\.address.address)
                    .first { $0.isIPv4 && $0.isInSubnet(of: subnet.address, prefixLength: subnet.prefixLength) }
            }
        }
    }

    public func measure(_ plan: BenchPlan) async throws(PatchbayError) -> BenchMeasurements {
        let iperf3: String?
        switch plan.tool {
        case .builtin: iperf3 = nil
        case .auto: iperf3 = iperf3Path
        case .iperf3:
            guard let iperf3Path else {
                throw PatchbayError(.unavailable, "iperf3 is not installed on the daemon's PATH; use tool 'builtin' (or 'auto')")
            }
            iperf3 = iperf3Path
        }
        let result: Result<BenchMeasurements, PatchbayError> = await withCheckedContinuation { continuation in
            let worker = Thread {
                do throws(PatchbayError) {
                    continuation.resume(returning: .success(try BenchRunner(plan: plan, iperf3: iperf3).run()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            worker.name = "patchbay-bench-run"
            worker.start()
        }
        return try result.get()
    }
}

/// One bench's measurements, run synchronously on its own thread.
struct BenchRunner {
    let plan: BenchPlan
    let iperf3: String?
    /// How long a silent peer may stall a socket call before the bench gives up.
    static let socketTimeoutSeconds = 10
    /// Round trips that warm the path up (ARP, the bridge's FDB) before any is counted.
    static let warmUpRoundTrips = 100
    static let maximumRoundTrips = 2_000_000

    func run() throws(PatchbayError) -> BenchMeasurements {
        var throughput: [BenchThroughput] = []
        for streams in Set([1, plan.streams]).sorted() {
            throughput.append(iperf3 != nil ? try iperfThroughput(streams: streams) : try builtinThroughput(streams: streams))
        }
        return BenchMeasurements(throughput: throughput, latency: try latency())
    }

    // MARK: sockets in namespaces

    static func failure(_ what: String, _ errno: Int32) -> PatchbayError {
        PatchbayError(.kernel, "bench: \(what)", cause: String(cString: strerror(errno)))
    }

    static func socketAddress(_ address: IPAddress, port: UInt16) throws(PatchbayError) -> sockaddr_in {
        guard case .v4(let v4) = address else { throw PatchbayError(.invalidArgument, "bench measures over IPv4; \(address) is not") }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr = in_addr(s_addr: v4.value.bigEndian)
        return socketAddress
    }

    /// A TCP socket made inside `end`'s namespace, with receive and send timeouts.
    static func tcpSocket(_ end: BenchEndpoint) throws(PatchbayError) -> Int32 {
        let fd = cpatchbay_socket_in_netns(KernelBenchmark.namespacePath(end.namespace), AF_INET, Int32(SOCK_STREAM.rawValue))
        guard fd >= 0 else { throw failure("cannot open a socket in \(end.label)", -fd) }
        var timeout = timeval(tv_sec: socketTimeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// A listening socket on `end`'s address and a port the kernel picks; returns it and the port.
    static func listen(_ end: BenchEndpoint) throws(PatchbayError) -> (fd: Int32, port: UInt16) {
        let fd = try tcpSocket(end)
        var address = try socketAddress(end.address, port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 128) == 0 else {
            let e = errno
            close(fd)
            throw failure("cannot listen on \(end.address) in \(end.label)", e)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, UInt16(bigEndian: actual.sin_port))
    }

    static func connect(from end: BenchEndpoint, to target: BenchEndpoint, port: UInt16) throws(PatchbayError) -> Int32 {
        let fd = try tcpSocket(end)
        var address = try socketAddress(target.address, port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let e = errno
            close(fd)
            throw failure("cannot connect from \(end.label) to \(target.address):\(port)", e)
        }
        return fd
    }

    /// accept(2), bounded: a peer that never connects fails the bench instead of hanging it.
    static func accept(_ listener: Int32, what: String) throws(PatchbayError) -> Int32 {
        let ready = cpatchbay_poll_readable(listener, Int32(socketTimeoutSeconds * 1000))
        guard ready > 0 else { throw failure("no connection arrived for \(what)", ready == 0 ? ETIMEDOUT : -ready) }
        let fd = Glibc.accept(listener, nil, nil)
        guard fd >= 0 else { throw failure("cannot accept the connection for \(what)", errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var timeout = timeval(tv_sec: socketTimeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func noDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    // MARK: latency

    /// TCP_RR: one byte each way, one outstanding, for the plan's duration.
    func latency() throws(PatchbayError) -> BenchLatency {
        let (listener, port) = try Self.listen(plan.receiver)
        defer { close(listener) }
        let client = try Self.connect(from: plan.sender, to: plan.receiver, port: port)
        defer { close(client) }
        let server = try Self.accept(listener, what: "the round trips")
        Self.noDelay(client)
        Self.noDelay(server)
        let echo = Worker {
            var byte: UInt8 = 0
            while recv(server, &byte, 1, 0) == 1 {
                guard send(server, &byte, 1, Int32(MSG_NOSIGNAL)) == 1 else { break }
            }
            close(server)
        }
        var samples: [UInt64] = []
        samples.reserveCapacity(1 << 16)
        var byte: UInt8 = 1
        let deadline = Self.now() + UInt64(plan.duration) * 1_000_000_000
        var failed: Int32 = 0
        var trip = 0
        while trip < Self.warmUpRoundTrips + Self.maximumRoundTrips {
            let start = Self.now()
            if start >= deadline, trip >= Self.warmUpRoundTrips { break }
            guard send(client, &byte, 1, Int32(MSG_NOSIGNAL)) == 1, recv(client, &byte, 1, 0) == 1 else {
                failed = errno
                break
            }
            if trip >= Self.warmUpRoundTrips { samples.append(Self.now() - start) }
            trip += 1
        }
        shutdown(client, Int32(SHUT_RDWR))
        echo.join()
        if failed != 0 || samples.isEmpty {
            throw Self.failure("the round trips from \(plan.sender.label) to \(plan.receiver.label) stopped after \(trip)", failed == 0 ? EPIPE : failed)
        }
        return BenchLatency(LatencyStatistics(nanoseconds: samples))
    }

    // MARK: Patchbay's own bulk transfer

    /// `streams` connections, each a sender thread writing 128 KiB buffers for the duration
    /// and a receiver thread counting what arrives until the sender's FIN.
    func builtinThroughput(streams: Int) throws(PatchbayError) -> BenchThroughput {
        let (listener, port) = try Self.listen(plan.receiver)
        defer { close(listener) }
        var senders: [Int32] = [], receivers: [Int32] = []
        defer { for fd in senders + receivers { close(fd) } }
        for _ in 0..<streams {
            senders.append(try Self.connect(from: plan.sender, to: plan.receiver, port: port))
            receivers.append(try Self.accept(listener, what: "stream \(receivers.count + 1)"))
        }
        let totals = StreamTotals()
        let start = Self.now()
        let deadline = start + UInt64(plan.duration) * 1_000_000_000
        var workers: [Worker] = []
        for fd in receivers {
            workers.append(Worker {
                var buffer = [UInt8](repeating: 0, count: 256 * 1024)
                while true {
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 {
                        if n < 0 { totals.errors.store(errno, ordering: .relaxed) }
                        break
                    }
                    totals.received.add(n, ordering: .relaxed)
                }
                totals.lastByte.max(Self.now(), ordering: .relaxed)
            })
        }
        for fd in senders {
            workers.append(Worker {
                let buffer = [UInt8](repeating: 0x5A, count: 128 * 1024)
                while Self.now() < deadline {
                    let n = buffer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n < 0 {
                        totals.errors.store(errno, ordering: .relaxed)
                        break
                    }
                }
                shutdown(fd, Int32(SHUT_WR))
            })
        }
        for worker in workers { worker.join() }
        let failed = totals.errors.load(ordering: .relaxed)
        guard failed == 0 else { throw Self.failure("a stream from \(plan.sender.label) to \(plan.receiver.label) failed", failed) }
        let seconds = Double(totals.lastByte.load(ordering: .relaxed) - start) / 1e9
        let bytes = totals.received.load(ordering: .relaxed)
        return BenchThroughput(streams: streams, bitsPerSecond: seconds > 0 ? Double(bytes) * 8 / seconds : 0, retransmits: nil,
                               seconds: seconds, tool: "builtin")
    }

    // MARK: iperf3

    /// An iperf3 server (one test, `-1`) in the receiver's namespace on a port free there, the
    /// client in the sender's with `-J`; the server is stopped however the client ends.
    func iperfThroughput(streams: Int) throws(PatchbayError) -> BenchThroughput {
        guard let iperf3 else { throw PatchbayError(.internal, "iperf3 is not known") }
        // A port the kernel finds free in the receiver's namespace, given back for iperf3 to take.
        let (probe, port) = try Self.listen(plan.receiver)
        close(probe)
        let receiverAddress = plan.receiver.address.description, senderAddress = plan.sender.address.description
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(devNull) }
        let server = try Self.spawn(iperf3, ["-s", "-1", "-B", receiverAddress, "-p", String(port)], in: plan.receiver,
                                    stdout: devNull, stderr: devNull)
        defer { Self.reap(server, terminate: true) }
        try Self.waitListening(plan.receiver, port: port, server: server)

        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw Self.failure("cannot make a pipe for iperf3", errno) }
        // Close-on-exec, so no other child inherits them; posix_spawn's dup2 onto stdout clears it there.
        for fd in pipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let client: pid_t
        do throws(PatchbayError) {
            client = try Self.spawn(iperf3, ["-c", receiverAddress, "-B", senderAddress, "-p", String(port), "-P", String(streams),
                                             "-t", String(plan.duration), "-J"],
                                    in: plan.sender, stdout: pipe[1], stderr: devNull)
        } catch {
            close(pipe[0]); close(pipe[1])
            throw error
        }
        close(pipe[1])
        defer { close(pipe[0]) }
        let output = Self.readAll(pipe[0], seconds: plan.duration + 20)
        let finished = Self.reap(client, terminate: output == nil)
        guard let output else { throw PatchbayError(.internal, "iperf3's client did not finish within \(plan.duration + 20) s; stopped") }
        if output.isEmpty, let finished, finished != 0 { throw PatchbayError(.internal, "iperf3's client exited with status \(finished) and no report") }
        let report = try IPerf3Report.parse(output)
        return BenchThroughput(streams: streams, bitsPerSecond: report.receivedBitsPerSecond, retransmits: report.retransmits,
                               seconds: report.receivedSeconds, tool: "iperf3")
    }

    static func spawn(_ program: String, _ arguments: [String], in end: BenchEndpoint, stdout: Int32, stderr: Int32) throws(PatchbayError) -> pid_t {
        var argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        var pid: Int32 = 0
        let rc = argv.withUnsafeBufferPointer { buffer in
            cpatchbay_spawn_in_netns(KernelBenchmark.namespacePath(end.namespace), program, buffer.baseAddress, stdout, stderr, &pid)
        }
        guard rc == 0 else { throw failure("cannot start \(program) in \(end.label)", -rc) }
        return pid
    }

    /// Waits for a child; with `terminate`, SIGTERM first. Returns its exit status (nil when a
    /// signal ended it).
    @discardableResult
    static func reap(_ pid: pid_t, terminate: Bool) -> Int32? {
        var status: Int32 = 0
        if terminate, waitpid(pid, &status, WNOHANG) == pid { return exitStatus(status) }
        if terminate { kill(pid, SIGTERM) }
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return exitStatus(status)
    }

    static func exitStatus(_ status: Int32) -> Int32? {
        status & 0x7F == 0 ? (status >> 8) & 0xFF : nil
    }

    /// Until the server listens on `port` in the receiver's namespace (its /proc/net/tcp, read
    /// from inside): the client must not connect before, and iperf3 says nothing on a pipe
    /// until it ends. Checked every 5 ms for at most 5 s, and given up at once if the server exits.
    static func waitListening(_ end: BenchEndpoint, port: UInt16, server: pid_t) throws(PatchbayError) {
        let deadline = now() + 5_000_000_000
        let wanted = String(format: ":%04X", port)
        while now() < deadline {
            let fd = cpatchbay_open_in_netns(KernelBenchmark.namespacePath(end.namespace), "/proc/thread-self/net/tcp", 0)
            guard fd >= 0 else { throw failure("cannot read the sockets of \(end.label)", -fd) }
            let table = readAll(fd, seconds: 1).map { String(decoding: $0, as: UTF8.self) } ?? ""
            close(fd)
            for line in table.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 3, fields[1].hasSuffix(wanted), fields[3] == "0A" { return }
            }
            var status: Int32 = 0
            if waitpid(server, &status, WNOHANG) == server {
                throw PatchbayError(.internal, "iperf3's server in \(end.label) exited with status \(exitStatus(status) ?? -1) before listening")
            }
            usleep(5_000)
        }
        throw PatchbayError(.internal, "iperf3's server in \(end.label) did not listen on port \(port) within 5 s")
    }

    /// Everything until end of file, or nil when `seconds` pass first.
    static func readAll(_ fd: Int32, seconds: Int) -> [UInt8]? {
        let deadline = now() + UInt64(seconds) * 1_000_000_000
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let left = deadline > now() ? Int32((deadline - now()) / 1_000_000) : 0
            guard cpatchbay_poll_readable(fd, max(left, 1)) > 0 else { return nil }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}

/// What the streams of one transfer count together.
final class StreamTotals: Sendable {
    let received = Atomic<Int>(0)
    /// When the last receiver saw its end of stream (CLOCK_MONOTONIC, ns).
    let lastByte = Atomic<UInt64>(0)
    let errors = Atomic<Int32>(0)
}

/// A thread running one closure, joined by waiting for it to end.
final class Worker: @unchecked Sendable {
    // `finished` is guarded by `condition`.
    private var finished = false
    private let condition = NSCondition()

    init(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            body()
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "patchbay-bench-stream"
        thread.start()
    }

    func join() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
