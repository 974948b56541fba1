import PatchbayModel
import Testing

/// The text format as Prometheus reads it: help and type lines, escaping, numbers, histograms.
@Suite struct PrometheusExpositionTests {
    @Test func familiesRenderAsTheTextFormat() {
        let text = PrometheusExposition.render([
            MetricFamily(name: "patchbay_port_receive_bytes_total", help: "Bytes the guest\nreceived \\ said.", kind: .counter, samples: [
                .init(labels: [("network", "lab"), ("owner", "vm \"one\"\n")], value: 1234567890123),
            ]),
            MetricFamily(name: "patchbay_empty", help: "Never shown.", kind: .gauge, samples: []),
            MetricFamily(name: "patchbay_ratio", help: "A fraction.", kind: .gauge, samples: [.init(value: 0.25), .init(value: .infinity)]),
        ])
        #expect(text == """
            # HELP patchbay_port_receive_bytes_total Bytes the guest\\nreceived \\\\ said.
            # TYPE patchbay_port_receive_bytes_total counter
            patchbay_port_receive_bytes_total{network="lab",owner="vm \\"one\\"\\n"} 1234567890123
            # HELP patchbay_ratio A fraction.
            # TYPE patchbay_ratio gauge
            patchbay_ratio 0.25
            patchbay_ratio +Inf

            """)
    }

    @Test func aHistogramIsCumulative() {
        var histogram = LatencyHistogram(bounds: [0.001, 0.01, 0.1])
        for seconds in [0.0005, 0.002, 0.003, 0.5] { histogram.observe(seconds) }
        let samples = histogram.samples(labels: [("method", "GET")])
        #expect(samples.map(\.suffix) == ["_bucket", "_bucket", "_bucket", "_bucket", "_sum", "_count"])
        #expect(samples.prefix(4).map(\.value) == [1, 3, 3, 4])
        #expect(samples.prefix(4).map { $0.labels.last!.1 } == ["0.001", "0.01", "0.1", "+Inf"])
        #expect(samples[5].value == 4 && abs(samples[4].value - 0.5055) < 1e-9)
    }
}
