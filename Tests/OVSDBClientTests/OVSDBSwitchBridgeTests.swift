import Foundation
import Logging
import OVSDBClient
import PatchbayModel
import PatchbayTestSupport
import Testing

/// `OVSDBSwitch` against a real ovsdb-server and ovs-vswitchd in a throw-away namespace, read back
/// with ovs-vsctl and `ip -j link`.
@Suite(.serialized) struct OVSDBSwitchBridgeTests {
    @Test func systemReportsWhatOVSWrote() async throws {
        try await withSwitch { ovsSwitch, ovs in
            var system = try await ovsSwitch.system()
            #expect(system.datapathTypes.contains("netdev"))
            #expect(system.datapathTypes.contains("system"))
            #expect(system.interfaceTypes.contains("internal"))
            #expect(system.interfaceTypes.contains("tap"))
            // ovs-vswitchd writes dpdk_version "none" without DPDK, and leaves ovs_version to ovs-ctl.
            #expect(system.dpdkVersion == nil)
            #expect(system.dpdkInitialized == false)
            #expect(system.version == nil)
            try ovs.vsctl(["set", "Open_vSwitch", ".", "ovs_version=3.1.0"])
            system = try await ovsSwitch.system()
            #expect(system.version == "3.1.0")
        }
    }

    @Test func createBridgeMakesTheDeviceAndReadsBack() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            // createBridge waited for ovs-vswitchd: the device is there when it returns.
            let link = try #require(try ovs.namespace.link("pbr0"))
            #expect(link["ifname"] as? String == "pbr0")
            #expect(try ovs.get("Bridge", "pbr0", "datapath_type") == "netdev")
            #expect(try ovs.get("Bridge", "pbr0", "external_ids:patchbay-owner") == "\"patchbay:network:1f0c5a3e-0c55-4b8e-9d0e-3b2d7e9f1a10\"")
            #expect(try ovs.get("Interface", "pbr0", "type") == "internal")
            #expect(try ovs.vsctl(["list-ports", "pbr0"]).isEmpty)
            #expect(try ovs.vsctl(["list-br"]) == "pbr0\n")

            #expect(try await ovsSwitch.bridgeNames() == ["pbr0"])
            let state = try #require(try await ovsSwitch.bridge(named: "pbr0"))
            #expect(state.name == "pbr0")
            #expect(state.datapathType == "netdev")
            #expect(state.externalIDs == ["patchbay-owner": "patchbay:network:1f0c5a3e-0c55-4b8e-9d0e-3b2d7e9f1a10"])
            #expect(state.uuid == (try ovs.get("Bridge", "pbr0", "_uuid")))
            #expect(state.ports.map(\.name) == ["pbr0"])
            #expect(state.ports.first?.interfaceType == "internal")
            #expect(state.ports.first?.ofport == 65534)
            #expect(try await ovsSwitch.bridge(named: "nosuch") == nil)
        }
    }

    @Test func createBridgeTwiceIsAlreadyExists() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            let error = await #expect(throws: PatchbayError.self) { try await ovsSwitch.createBridge(netdevBridge("pbr0")) }
            #expect(error?.code == .alreadyExists)
            #expect(error?.message.contains("pbr0") == true)
            // A bridge made behind Patchbay's back counts too.
            try ovs.vsctl(["add-br", "other", "--", "set", "bridge", "other", "datapath_type=netdev"])
            let again = await #expect(throws: PatchbayError.self) { try await ovsSwitch.createBridge(netdevBridge("other")) }
            #expect(again?.code == .alreadyExists)
            #expect(try await ovsSwitch.bridgeNames() == ["other", "pbr0"])
        }
    }

    @Test func deleteBridgeRemovesItsPortsDeviceAndQoS() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            try makeTAP("vnet0", in: ovs.namespace)
            try await ovsSwitch.addPort(bridge: "pbr0", OVSPortSpec(name: "vnet0", qos: OVSQoS(type: "egress-policer",
                                                                                           otherConfig: ["cir": "125000", "cbs": "12500"])))
            #expect(try ovs.list("QoS").count == 1)
            try await ovsSwitch.deleteBridge(named: "pbr0")
            #expect(try ovs.vsctl(["list-br"]).isEmpty)
            #expect(try ovs.list("Port").isEmpty)
            #expect(try ovs.list("Interface").isEmpty)
            #expect(try ovs.list("QoS").isEmpty)
            try ovs.waitUntil("the bridge device is gone") { try ovs.namespace.link("pbr0") == nil }
            // The TAP is the namespace's, not OVS's: it stays.
            #expect(try ovs.namespace.link("vnet0") != nil)
            // Deleting a bridge that is not there does nothing.
            try await ovsSwitch.deleteBridge(named: "pbr0")
        }
    }
}
