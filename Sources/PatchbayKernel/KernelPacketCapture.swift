import CPcap
import Foundation
import Glibc
import Logging
import Netlink
import PatchbayEngine
import PatchbayIO
import PatchbayModel
import Synchronization

/// `PacketCapturing` on the kernel: filters compiled by libpcap (only its compiler: tcpdump's
/// syntax, the same BPF tcpdump would attach), one AF_PACKET socket per port bound to the port's
/// device with the program attached before the bind, and a thread per capture that polls them
/// all. Capturing on each port rather than on the bridge is what lets every frame say which
/// guest port it was seen on; the kernel filter means frames the filter rejects are never
/// queued or copied.
public final class KernelPacketCapture: PacketCapturing {
    /// Compiles run here, one at a time: libpcap's compiler is not guaranteed reentrant on every
    /// version, and a pathological filter's optimiser must not hold a pool thread.
    private let compiler = IOThread(name: "patchbay-capture-compile")
    private let namespacePath: String?
    private let logger: Logger
    /// Frames held for a reader that is slower than the ports; beyond it frames are dropped
    /// (and counted), as the kernel drops when a socket's queue is full. Bounded in bytes too:
    /// about 32 MiB of snap length (a GSO frame on a veth can be 64 KiB).
    static let bufferedFrames = 4_096
    static let bufferedBytes = 32 << 20

    static func bufferLimit(snapLength: Int) -> Int { max(64, min(bufferedFrames, bufferedBytes / max(snapLength, 1))) }

    public init(namespacePath: String? = nil, logger: Logger) {
        self.namespacePath = namespacePath
        self.logger = logger
    }

    public func compile(filter: String, snapLength: Int) async throws(PatchbayError) -> [BPFInstruction] {
        try await compiler.run { () throws(PatchbayError) -> [BPFInstruction] in try Self.compileNow(filter: filter, snapLength: snapLength) }
    }

    /// pcap_open_dead(DLT_EN10MB, snaplen) + pcap_compile, optimised, netmask unknown (so
    /// `ip broadcast` is refused by libpcap with its own message rather than guessed).
    static func compileNow(filter: String, snapLength: Int) throws(PatchbayError) -> [BPFInstruction] {
        guard let handle = pcap_open_dead(1 /* DLT_EN10MB */, Int32(clamping: snapLength)) else {
            throw PatchbayError(.internal, "libpcap cannot open a handle to compile the capture filter")
        }
        defer { pcap_close(handle) }
        var program = bpf_program()
        guard pcap_compile(handle, &program, filter, 1, 0xFFFF_FFFF /* PCAP_NETMASK_UNKNOWN */) == 0 else {
            let message = pcap_geterr(handle).map { String(cString: $0) } ?? "unknown error"
            throw PatchbayError(.invalidArgument, "invalid capture filter '\(filter)': \(message)")
        }
        defer { pcap_freecode(&program) }
        guard let instructions = program.bf_insns, program.bf_len > 0 else {
            throw PatchbayError(.internal, "libpcap compiled the capture filter '\(filter)' to nothing")
        }
        return (0..<Int(program.bf_len)).map { i in
            let insn = instructions[i]
            return BPFInstruction(code: insn.code, jt: insn.jt, jf: insn.jf, k: insn.k)
        }
    }

    public func start(interfaces: [CaptureInterface], program: [BPFInstruction], count: Int?, durationSeconds: Int?,
                      snapLength: Int) async throws(PatchbayError) -> CaptureSession {
        var sockets: [CaptureSocket] = []
        for interface in interfaces {
            do throws(NetlinkError) {
                let socket = try CaptureSocket(namespacePath: namespacePath)
                try socket.attachFilter(program)
                try socket.bind(interfaceIndex: interface.interfaceIndex)
                sockets.append(socket)
            } catch {
                // Sockets opened so far close with `sockets`.
                if error.errno == ENODEV || error.errno == ENXIO {
                    throw PatchbayError(.operationInvalid, "device \(interface.device) of port \(interface.port) went away", cause: "\(error)")
                }
                throw PatchbayError(.kernel, "cannot capture on \(interface.device) (port \(interface.port))", cause: "\(error)")
            }
        }
        let (events, continuation) = AsyncStream<CaptureEvent>.makeStream(bufferingPolicy: .bufferingOldest(Self.bufferLimit(snapLength: Int(snapLength))))
        let stopped = CaptureStopFlag()
        continuation.onTermination = { _ in stopped.stop() }
        let run = CaptureRun(sockets: sockets, devices: interfaces.map(\.device), continuation: continuation, stopped: stopped,
                             count: count, durationSeconds: durationSeconds, snapLength: snapLength, logger: logger)
        let thread = Thread { run.main() }
        thread.name = "patchbay-capture"
        thread.start()
        return CaptureSession(events: events, stop: { stopped.stop() })
    }
}

final class CaptureStopFlag: Sendable {
    private let flag = Atomic(false)
    func stop() { flag.store(true, ordering: .releasing) }
    var isStopped: Bool { flag.load(ordering: .acquiring) }
}

/// One capture's thread: poll every port's socket (250 ms at most, so a stop is seen within
/// that), drain what is queued, honour the count and the deadline, and say `.idle` after half
/// a second without frames. Its sockets close when it ends.
struct CaptureRun: Sendable {
    let sockets: [CaptureSocket]
    let devices: [String]
    let continuation: AsyncStream<CaptureEvent>.Continuation
    let stopped: CaptureStopFlag
    let count: Int?
    let durationSeconds: Int?
    let snapLength: Int
    let logger: Logger

    /// At most this many frames from one socket before the others get their turn.
    static let burst = 64

    func main() {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = durationSeconds.map { started + .seconds($0) }
        var lastEvent = started
        var delivered = 0
        var dropped = 0
        var buffer = [UInt8](repeating: 0, count: snapLength)
        var polled = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        var reason = "stopped"
        defer {
            continuation.finish()
            logger.info("capture ended", metadata: ["reason": "\(reason)", "frames": "\(delivered)", "dropped": "\(dropped)",
                                                    "ports": "\(devices)"])
        }
        loop: while true {
            if stopped.isStopped { break }
            var timeout: Int32 = 250
            if let deadline {
                let left = clock.now.duration(to: deadline)
                if left <= .zero { reason = "duration reached"; break }
                let (seconds, attoseconds) = left.components
                timeout = min(timeout, Int32(seconds) * 1_000 + Int32(attoseconds / 1_000_000_000_000_000) + 1)
            }
            let ready = poll(&polled, nfds_t(polled.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                reason = "poll failed: \(String(cString: strerror(errno)))"
                break
            }
            if ready == 0 {
                if clock.now - lastEvent >= .milliseconds(500) {
                    continuation.yield(.idle)
                    lastEvent = clock.now
                }
                continue
            }
            for i in polled.indices where polled[i].revents != 0 {
                for _ in 0..<Self.burst {
                    let received: (kept: Int, originalLength: Int, timestampNanoseconds: UInt64)?
                    do { received = try sockets[i].receive(into: &buffer) } catch {
                        // The device went (ENETDOWN, ENXIO): its port is over, the others go on.
                        logger.info("capture: a port's device stopped", metadata: ["device": "\(devices[i])", "error": "\(error)"])
                        polled[i].fd = -1
                        break
                    }
                    guard let received else { break }
                    let frame = CapturedFrame(interface: i, timestampNanoseconds: received.timestampNanoseconds,
                                              originalLength: received.originalLength, bytes: Array(buffer[..<received.kept]))
                    let result = continuation.yield(.frame(frame))
                    if case .terminated = result { reason = "reader gone"; break loop }
                    if case .dropped = result { dropped += 1; continue }
                    delivered += 1
                    lastEvent = clock.now
                    if let count, delivered >= count { reason = "count reached"; break loop }
                }
                polled[i].revents = 0
            }
            if polled.allSatisfy({ $0.fd < 0 }) { reason = "every port's device is gone"; break }
        }
    }
}
