import PatchbayModel

/// `patchbay bench`'s kernel work as the engine sees it; the daemon gives `KernelBenchmark`
/// (PatchbayKernel: namespaces made with unshare and a bind mount, sockets and iperf3 started
/// from threads inside them). The engine decides what is measured between which ends and owns
/// the temporary ports; this side only makes namespaces and moves bytes.
public protocol NetworkBenchmarking: Sendable {
    /// Makes an empty network namespace named `name` under /run/netns.
    func createNamespace(_ name: String) async throws(PatchbayError)
    /// Removes the name again (the namespace ends with its last user).
    func deleteNamespace(_ name: String) async throws(PatchbayError)
    /// Inside `namespace`: loopback and `device` up, `address` on `device`.
    func configure(namespace: String, device: String, address: InterfaceAddress) async throws(PatchbayError)
    /// The first IPv4 address of `device` inside `namespace` that lies in `subnet`, if any.
    func address(namespace: String, device: String, in subnet: InterfaceAddress) async throws(PatchbayError) -> IPAddress?
    /// Throughput with one stream and `plan.streams` streams, then round trips, each for
    /// `plan.duration` seconds.
    func measure(_ plan: BenchPlan) async throws(PatchbayError) -> BenchMeasurements
}
