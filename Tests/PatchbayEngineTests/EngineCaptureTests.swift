import Logging
import PatchbayEngine
import PatchbayModel
import PatchbayStore
import Synchronization
import Testing

/// A capturer that compiles "bad" to libpcap's kind of refusal and records what it was asked
/// to capture on.
final class RecordingCapturer: PacketCapturing {
    let started = Mutex<[[CaptureInterface]]>([])

    func compile(filter: String, snapLength: Int) async throws(PatchbayError) -> [BPFInstruction] {
        if filter == "bad" { throw PatchbayError(.invalidArgument, "invalid capture filter 'bad': syntax error") }
        return [BPFInstruction(code: 0x06, jt: 0, jf: 0, k: UInt32(snapLength))]
    }

    func start(interfaces: [CaptureInterface], program: [BPFInstruction], count: Int?, durationSeconds: Int?,
               snapLength: Int) async throws(PatchbayError) -> CaptureSession {
        started.withLock { $0.append(interfaces) }
        let (events, continuation) = AsyncStream<CaptureEvent>.makeStream()
        continuation.finish()
        return CaptureSession(events: events, stop: {})
    }
}

/// What a capture target names: a network's ports, one port by UUID or device, an owner's
/// ports across networks; and the refusals, each naming what was wrong.
@Suite struct EngineCaptureTests {
    let store: any PatchbayStore = InMemoryStore()
    let kernel = KernelRecorder()
    let capturer = RecordingCapturer()
    let engine: NetworkEngine

    init() {
        engine = NetworkEngine(store: store, links: kernel, firewall: RecordingFirewall(), logger: Logger(label: "test"))
    }

    func setUp() async throws -> (NetworkPort, NetworkPort, NetworkPort) {
        _ = try await engine.define(xml: "<network><name>lab</name><bridge name='pbcap0'/><ip address='10.65.0.1' prefix='24'/></network>")
        _ = try await engine.define(xml: "<network><name>other</name><bridge name='pbcap1'/><ip address='10.66.0.1' prefix='24'/></network>")
        _ = try await engine.define(xml: "<network><name>off</name><bridge name='pbcap2'/></network>")
        _ = try await engine.start("lab")
        _ = try await engine.start("other")
        let a = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm1"))
        let b = try await engine.createPort(network: "lab", CreatePortRequest(ownerName: "vm2"))
        let c = try await engine.createPort(network: "other", CreatePortRequest(ownerName: "vm1"))
        return (a, b, c)
    }

    @Test func targetsResolveToPortDevices() async throws {
        let (a, b, c) = try await setUp()
        let network = try await engine.captureInterfaces("lab")
        #expect(Set(network.map(\.device)) == [a.device, b.device])
        #expect(network.allSatisfy { $0.interfaceIndex > 0 && $0.network == "lab" })
        let byDevice = try await engine.captureInterfaces("lab:\(b.device)")
        #expect(byDevice.map(\.port) == [b.uuid])
        #expect(byDevice.first?.description == "vm2/\(b.uuid)/\(b.mac)")
        #expect(try await engine.captureInterfaces("lab:\(a.uuid)").map(\.device) == [a.device])
        #expect(Set(try await engine.captureInterfaces("vm1").map(\.device)) == [a.device, c.device])

        _ = try await engine.capture(CaptureRequest(target: "other"), using: capturer)
        #expect(capturer.started.withLock { $0.map { $0.map(\.device) } } == [[c.device]])
    }

    @Test func refusalsNameTheirInput() async throws {
        _ = try await setUp()
        await #expect(throws: PatchbayError(.notFound, "network 'lab' has no port 'vnet99' (give a port UUID or device name)")) {
            try await engine.captureInterfaces("lab:vnet99")
        }
        await #expect(throws: PatchbayError(.notFound, "no network, network:port or owner named 'nowhere'")) {
            try await engine.captureInterfaces("nowhere")
        }
        await #expect(throws: PatchbayError(.operationInvalid, "network 'off' is not active")) {
            try await engine.captureInterfaces("off")
        }
        _ = try await engine.define(xml: "<network><name>empty</name><bridge name='pbcap3'/></network>")
        _ = try await engine.start("empty")
        await #expect(throws: PatchbayError(.operationInvalid, "network 'empty' has no port with a host device to capture on")) {
            try await engine.captureInterfaces("empty")
        }
        // The filter is the request's fault whatever it targets, so it is judged first.
        await #expect(throws: PatchbayError(.invalidArgument, "invalid capture filter 'bad': syntax error")) {
            try await engine.capture(CaptureRequest(target: "nowhere", filter: "bad"), using: capturer)
        }
        #expect(capturer.started.withLock { $0.isEmpty })
    }
}
