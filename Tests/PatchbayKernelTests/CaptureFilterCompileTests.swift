import Logging
import PatchbayEngine
import PatchbayKernel
import PatchbayModel
import Testing

/// libpcap's compiler as the capture uses it: tcpdump's syntax to classic BPF that keeps the
/// snap length, and libpcap's own message for what it refuses.
@Suite struct CaptureFilterCompileTests {
    let capture = KernelPacketCapture(logger: Logger(label: "test"))

    @Test func filtersCompileToProgramsThatKeepTheSnapLength() async throws {
        let everything = try await capture.compile(filter: "", snapLength: 96)
        // BPF_RET|BPF_K (0x06) with the snap length: accept, 96 bytes kept.
        #expect(everything == [BPFInstruction(code: 0x06, jt: 0, jf: 0, k: 96)])
        let icmp = try await capture.compile(filter: "icmp and host 10.0.0.1", snapLength: 262_144)
        #expect(icmp.count > 3)
        #expect(icmp.contains(BPFInstruction(code: 0x06, jt: 0, jf: 0, k: 262_144)))
        #expect(icmp.contains(BPFInstruction(code: 0x06, jt: 0, jf: 0, k: 0)), "a reject")
    }

    @Test func refusalsCarryLibpcapsMessage() async throws {
        do {
            _ = try await capture.compile(filter: "host nonsense and", snapLength: 262_144)
            Issue.record("compiled")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("invalid capture filter 'host nonsense and': "), "\(error.message)")
            #expect(error.message.count > "invalid capture filter 'host nonsense and': ".count)
        }
    }
}
