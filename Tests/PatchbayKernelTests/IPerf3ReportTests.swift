import PatchbayKernel
import PatchbayModel
import Testing

/// Reading iperf3's `-J` report (the shape iperf 3.12 writes, trimmed to what is read).
@Suite struct IPerf3ReportTests {
    @Test func theReceiversSumWithTheSendersRetransmits() throws {
        let json = """
            {"start":{"connected":[]},"intervals":[],
             "end":{"streams":[],
                    "sum_sent":{"start":0,"end":5.0,"seconds":5.0,"bytes":6250000000,"bits_per_second":1.0e10,"retransmits":12,"sender":true},
                    "sum_received":{"start":0,"end":5.0004,"seconds":5.0004,"bytes":6249000000,"bits_per_second":9.998e9,"sender":true},
                    "cpu_utilization_percent":{"host_total":50.1}}}
            """
        let report = try IPerf3Report.parse(Array(json.utf8))
        #expect(report.receivedBitsPerSecond == 9.998e9)
        #expect(report.receivedSeconds == 5.0004)
        #expect(report.retransmits == 12)
    }

    @Test func iperf3sOwnErrorIsSaid() {
        let json = #"{"start":{},"intervals":[],"end":{},"error":"unable to connect to server: Connection refused"}"#
        do {
            _ = try IPerf3Report.parse(Array(json.utf8))
            Issue.record("parsed a report with an error")
        } catch {
            #expect(error.message == "iperf3: unable to connect to server: Connection refused")
        }
    }

    @Test func notJSONOrNoSumIsRefused() {
        #expect(throws: PatchbayError.self) { try IPerf3Report.parse(Array("iperf3: error - bad".utf8)) }
        #expect(throws: PatchbayError.self) { try IPerf3Report.parse(Array(#"{"end":{"sum_sent":{"bits_per_second":1}}}"#.utf8)) }
        #expect(throws: PatchbayError.self) { try IPerf3Report.parse([]) }
    }
}
