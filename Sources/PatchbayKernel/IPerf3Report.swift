import Foundation
import PatchbayModel

/// What Patchbay reads of an iperf3 client's `-J` report: the end sums. The receiver's figure is
/// the one reported (what arrived, not what was written into the sender's socket buffer), the
/// sender's retransmissions beside it. iperf3 writes its errors into the same document.
public struct IPerf3Report: Sendable, Hashable {
    public var receivedBitsPerSecond: Double
    public var receivedSeconds: Double
    public var retransmits: Int?

    private struct Document: Decodable {
        struct End: Decodable {
            struct Sum: Decodable {
                var seconds: Double?
                var bits_per_second: Double?
                var retransmits: Int?
            }
            var sum_sent: Sum?
            var sum_received: Sum?
        }
        var end: End?
        var error: String?
    }

    /// Throws `.internal` naming what is wrong: iperf3's own error, text that is not its JSON,
    /// or a report without the receiver's sum.
    public static func parse(_ bytes: [UInt8]) throws(PatchbayError) -> IPerf3Report {
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: Data(bytes)) } catch {
            let text = String(decoding: bytes.prefix(300), as: UTF8.self)
            throw PatchbayError(.internal, "iperf3 wrote no JSON report", cause: text.isEmpty ? "no output" : text)
        }
        if let error = document.error { throw PatchbayError(.internal, "iperf3: \(error)") }
        guard let received = document.end?.sum_received, let bps = received.bits_per_second else {
            throw PatchbayError(.internal, "iperf3's report has no end.sum_received.bits_per_second")
        }
        return IPerf3Report(receivedBitsPerSecond: bps, receivedSeconds: received.seconds ?? 0,
                            retransmits: document.end?.sum_sent?.retransmits)
    }
}
