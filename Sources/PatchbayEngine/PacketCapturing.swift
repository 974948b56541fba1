import PatchbayModel

/// Packet capture as the engine and the API see it; the daemon gives `KernelPacketCapture`
/// (PatchbayKernel: libpcap's compiler, one packet socket per port, a thread of its own). A
/// capture only reads, so it takes no network lock: ports made after it started are not in it.
public protocol PacketCapturing: Sendable {
    /// Compiles a filter in tcpdump's syntax for Ethernet frames, `snapLength` bytes kept of each
    /// (the program's accept value, so the kernel truncates). Throws `.invalidArgument`
    /// "invalid capture filter '...': <libpcap's message>".
    func compile(filter: String, snapLength: Int) async throws(PatchbayError) -> [BPFInstruction]

    /// Opens one socket per interface, attaches `program` to each before binding it, and
    /// delivers frames until `count` frames or `durationSeconds` have passed, or the session is
    /// stopped. Interface ids in the frames are positions in `interfaces`.
    func start(interfaces: [CaptureInterface], program: [BPFInstruction], count: Int?, durationSeconds: Int?,
               snapLength: Int) async throws(PatchbayError) -> CaptureSession
}

/// What a running capture delivers.
public enum CaptureEvent: Sendable {
    case frame(CapturedFrame)
    /// Nothing arrived for a while (about half a second). The API writes nothing for it but uses
    /// it to notice a client that went away while the ports were quiet.
    case idle
}

/// A running capture: its events (ending when the capture ends) and how to end it early. The
/// events are buffered up to a bound; frames beyond it are dropped and counted, never held
/// without limit for a slow reader.
public struct CaptureSession: Sendable {
    public let events: AsyncStream<CaptureEvent>
    public let stop: @Sendable () -> Void

    public init(events: AsyncStream<CaptureEvent>, stop: @escaping @Sendable () -> Void) {
        self.events = events
        self.stop = stop
    }
}
