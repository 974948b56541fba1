import Foundation
import Logging
import OVSDBClient
import PatchbayModel
import PatchbayTestSupport
import Synchronization

/// A namespace with an Open vSwitch of its own and an `OVSDBSwitch` on its socket.
func withSwitch<T>(_ body: (OVSDBSwitch, OVSInstance) async throws -> T) async throws -> T {
    try await TestNamespace.with(prefix: "pbo") { namespace in
        try await OVSInstance.with(in: namespace) { ovs in
            var logger = Logger(label: "ovsdb-test")
            logger.logLevel = .debug
            let ovsSwitch = OVSDBSwitch(socketPath: ovs.socketPath, logger: logger, timeout: .seconds(10), reconfigureTimeout: .seconds(10))
            return try await body(ovsSwitch, ovs)
        }
    }
}

/// The libvirt external_ids a guest's port carries (what libvirt writes for `<virtualport type='openvswitch'>`).
func libvirtExternalIDs(mac: String = "52:54:00:12:34:56") -> [String: String] {
    ["iface-id": "8a3f7c2e-5b1d-4e6f-9a0b-1c2d3e4f5a6b", "attached-mac": mac, "vm-uuid": "4d1c2b3a-9e8f-4a7b-8c6d-5e4f3a2b1c0d",
     "iface-status": "active", "patchbay-owner": "patchbay:port:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"]
}

/// Makes a TAP in the namespace, up, for OVS to open.
func makeTAP(_ name: String, in namespace: TestNamespace) throws {
    try Command.check("ip", ["-n", namespace.name, "tuntap", "add", name, "mode", "tap"])
    try Command.check("ip", ["-n", namespace.name, "link", "set", name, "up"])
}

/// A netdev bridge made by Patchbay.
func netdevBridge(_ name: String) -> OVSBridgeSpec {
    OVSBridgeSpec(name: name, datapathType: "netdev", externalIDs: ["patchbay-owner": "patchbay:network:1f0c5a3e-0c55-4b8e-9d0e-3b2d7e9f1a10"])
}

/// A counter a `@Sendable` closure can bump and a test can wait on.
final class CallCounter: Sendable {
    private let count = Mutex(0)

    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }

    /// Waits (polling every 20 ms) until the count reaches `target`, at most `seconds`.
    func wait(for target: Int, seconds: Double = 15) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if value >= target { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return value >= target
    }
}
