import Foundation
import Logging
import OVSDBClient
import PatchbayModel
import PatchbayTestSupport
import Testing

/// `watch` (an OVSDB monitor) and the connection's life: reconnecting after ovsdb-server
/// restarts, and the errors an operator sees when OVS is not there.
@Suite(.serialized) struct OVSDBSwitchWatchTests {
    @Test func watchFiresOnADelPortByOVSVsctl() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            try makeTAP("vnet0", in: ovs.namespace)
            try await ovsSwitch.addPort(bridge: "pbr0", OVSPortSpec(name: "vnet0", externalIDs: libvirtExternalIDs()))
            let calls = CallCounter()
            let watcher = Task { try await ovsSwitch.watch { calls.increment() } }
            // Once when the monitor is in place.
            #expect(await calls.wait(for: 1))
            let before = calls.value
            try ovs.vsctl(["del-port", "vnet0"])
            #expect(await calls.wait(for: before + 1))
            // And on a change ovs-vswitchd makes (the new port's ofport) as on ours.
            let afterDelete = calls.value
            try await ovsSwitch.addPort(bridge: "pbr0", OVSPortSpec(name: "vnet0"))
            #expect(await calls.wait(for: afterDelete + 1))
            watcher.cancel()
            // It returns once cancelled, without an error.
            try await watcher.value
        }
    }

    @Test func watchCallsAgainAfterOVSDBServerRestarts() async throws {
        try await withSwitch { ovsSwitch, ovs in
            let calls = CallCounter()
            let watcher = Task { try await ovsSwitch.watch { calls.increment() } }
            #expect(await calls.wait(for: 1))
            try ovs.restartServer()
            // A new connection, a new monitor, one more call.
            #expect(await calls.wait(for: 2, seconds: 20))
            let before = calls.value
            try ovs.vsctl(["--no-wait", "add-br", "pbr9", "--", "set", "bridge", "pbr9", "datapath_type=netdev"])
            #expect(await calls.wait(for: before + 1))
            watcher.cancel()
            try await watcher.value
        }
    }

    @Test func callsReconnectAfterOVSDBServerRestarts() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            try ovs.restartServer()
            // The first call after the restart may still find the old connection breaking; a
            // call after that one connects again.
            var names = try? await ovsSwitch.bridgeNames()
            if names == nil { names = try await ovsSwitch.bridgeNames() }
            #expect(names == ["pbr0"])
            try await ovsSwitch.createBridge(netdevBridge("pbr1"))
            #expect(try ovs.vsctl(["list-br"]) == "pbr0\npbr1\n")
        }
    }

    @Test func aMissingSocketIsUnavailableAndNamesIt() async throws {
        let path = "/tmp/patchbay-no-ovs-\(UUID().uuidString.prefix(8))/db.sock"
        let ovsSwitch = OVSDBSwitch(socketPath: path, logger: Logger(label: "ovsdb-test"))
        let error = await #expect(throws: PatchbayError.self) { try await ovsSwitch.bridgeNames() }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("Open vSwitch is not running") == true)
        #expect(error?.message.contains("--ovsdb") == true)
        #expect(error?.cause == "No such file or directory")
        let create = await #expect(throws: PatchbayError.self) { try await ovsSwitch.createBridge(netdevBridge("pbr0")) }
        #expect(create?.code == .unavailable)
    }

    @Test func watchKeepsTryingUntilOVSDBServerAppears() async throws {
        try await TestNamespace.with(prefix: "pbo") { namespace in
            let ovs = try OVSInstance(namespace: namespace, startVswitchd: false)
            defer { ovs.stop() }
            ovs.stopServer()
            let ovsSwitch = OVSDBSwitch(socketPath: ovs.socketPath, logger: Logger(label: "ovsdb-test"))
            let calls = CallCounter()
            let watcher = Task { try await ovsSwitch.watch { calls.increment() } }
            try await Task.sleep(for: .milliseconds(300))
            #expect(calls.value == 0)
            try ovs.startServer()
            #expect(await calls.wait(for: 1, seconds: 20))
            watcher.cancel()
            try await watcher.value
        }
    }

    @Test func vswitchdRestartKeepsBridgesAndPorts() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            try makeTAP("vnet0", in: ovs.namespace)
            try await ovsSwitch.addPort(bridge: "pbr0", OVSPortSpec(name: "vnet0", vlan: OVSVLAN(tag: 5)))
            try ovs.restartVswitchd()
            try ovs.waitUntil("ovs-vswitchd made the bridge device again") { try ovs.namespace.link("pbr0") != nil }
            let state = try #require(try await ovsSwitch.bridge(named: "pbr0"))
            #expect(state.ports.map(\.name) == ["pbr0", "vnet0"])
            #expect(state.ports.last?.vlan.tag == 5)
        }
    }
}
