import Testing

/// Every namespace test, one at a time. Each runs real programs (the daemon, DHCP clients, QEMU,
/// loop storms) whose timing would otherwise depend on how many others share the machine's two
/// cores, and their helpers wait for children on the calling thread, which must not take more
/// than one of the concurrency pool's threads at once. The pure unit tests still run in parallel
/// beside them.
@Suite(.serialized) struct IntegrationTests {}
