import Foundation
import OVSDBClient
import PatchbayModel
import PatchbayTestSupport
import Testing

/// Ports on a real Open vSwitch: a TAP of the namespace with libvirt's external_ids and VLAN
/// settings, repaired in place, found by external_ids, shaped, deleted.
@Suite(.serialized) struct OVSDBSwitchPortTests {
    static let vlan = OVSVLAN(tag: 10, trunks: [20, 10], mode: .nativeUntagged)

    static func guestPort(_ name: String = "vnet0", qos: OVSQoS? = nil) -> OVSPortSpec {
        OVSPortSpec(name: name, externalIDs: libvirtExternalIDs(), vlan: vlan, ingressPolicingRate: 1000, ingressPolicingBurst: 100, qos: qos)
    }

    @Test func addPortWritesWhatOVSVsctlReadsBack() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            try makeTAP("vnet0", in: ovs.namespace)
            try await ovsSwitch.addPort(bridge: "pbr0", Self.guestPort())

            #expect(try ovs.vsctl(["list-ports", "pbr0"]) == "vnet0\n")
            #expect(try ovs.vsctl(["port-to-br", "vnet0"]) == "pbr0\n")
            let port = try #require(try ovs.list("Port", "vnet0", columns: ["tag", "trunks", "vlan_mode", "qos"]).first)
            #expect(port["tag"] as? Int == 10)
            #expect(OVSInstance.set(port["trunks"]).compactMap { $0 as? Int }.sorted() == [10, 20])
            #expect(port["vlan_mode"] as? String == "native-untagged")
            #expect(OVSInstance.set(port["qos"]).isEmpty)
            let interface = try #require(try ovs.list("Interface", "vnet0", columns: ["type", "external_ids", "ingress_policing_rate",
                                                                                   "ingress_policing_burst", "ofport", "error"]).first)
            #expect(interface["type"] as? String == "")
            #expect(OVSInstance.map(interface["external_ids"]) == libvirtExternalIDs())
            #expect(interface["ingress_policing_rate"] as? Int == 1000)
            #expect(interface["ingress_policing_burst"] as? Int == 100)
            // addPort waited for ovs-vswitchd, which opened the TAP.
            #expect((interface["ofport"] as? Int ?? -1) > 0)
            #expect(OVSInstance.set(interface["error"]).isEmpty)

            let state = try #require(try await ovsSwitch.bridge(named: "pbr0"))
            let read = try #require(state.ports.first { $0.name == "vnet0" })
            #expect(read.interfaceType == "")
            #expect(read.externalIDs == libvirtExternalIDs())
            #expect(read.vlan == OVSVLAN(tag: 10, trunks: [10, 20], mode: .nativeUntagged))
            #expect(read.ingressPolicingRate == 1000)
            #expect(read.ingressPolicingBurst == 100)
            #expect(read.qos == nil)
            #expect((read.ofport ?? -1) > 0)
            #expect(read.error == nil)
            #expect(read.macInUse != nil)
            #expect(read.statistics["rx_packets"] != nil)
            #expect(state.ports.map(\.name) == ["pbr0", "vnet0"])
        }
    }

    @Test func addPortOnAMissingBridgeIsNotFound() async throws {
        try await withSwitch { ovsSwitch, _ in
            let error = await #expect(throws: PatchbayError.self) { try await ovsSwitch.addPort(bridge: "nosuch", Self.guestPort()) }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("nosuch") == true)
        }
    }

    @Test func mayExistRepairsAPortChangedBehindPatchbaysBack() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            try await ovsSwitch.createBridge(netdevBridge("pbr1"))
            try makeTAP("vnet0", in: ovs.namespace)
            try await ovsSwitch.addPort(bridge: "pbr0", Self.guestPort())
            let uuid = try ovs.get("Port", "vnet0", "_uuid")
            // Someone changes it with ovs-vsctl.
            try ovs.vsctl(["set", "Port", "vnet0", "tag=99", "trunks=[]", "vlan_mode=access", "--",
                           "remove", "Interface", "vnet0", "external_ids", "iface-id", "--",
                           "set", "Interface", "vnet0", "external_ids:stray=1", "ingress_policing_rate=5"])
            #expect(try ovs.get("Port", "vnet0", "tag") == "99")

            try await ovsSwitch.addPort(bridge: "pbr0", Self.guestPort())
            #expect(try ovs.get("Port", "vnet0", "_uuid") == uuid)
            #expect(try ovs.get("Port", "vnet0", "tag") == "10")
            #expect(try ovs.get("Port", "vnet0", "trunks") == "[10, 20]")
            #expect(try ovs.get("Port", "vnet0", "vlan_mode") == "native-untagged")
            let interface = try #require(try ovs.list("Interface", "vnet0", columns: ["external_ids", "ingress_policing_rate"]).first)
            #expect(OVSInstance.map(interface["external_ids"]) == libvirtExternalIDs())
            #expect(interface["ingress_policing_rate"] as? Int == 1000)

            // VLAN cleared: empty sets, as `ovs-vsctl clear Port vnet0 tag trunks vlan_mode`.
            var plain = Self.guestPort()
            plain.vlan = .none
            try await ovsSwitch.addPort(bridge: "pbr0", plain)
            #expect(try ovs.get("Port", "vnet0", "tag") == "[]")
            #expect(try ovs.get("Port", "vnet0", "trunks") == "[]")
            #expect(try ovs.get("Port", "vnet0", "vlan_mode") == "[]")

            // A port on the wrong bridge moves, keeping its row.
            try await ovsSwitch.addPort(bridge: "pbr1", plain)
            #expect(try ovs.vsctl(["port-to-br", "vnet0"]) == "pbr1\n")
            #expect(try ovs.vsctl(["list-ports", "pbr0"]).isEmpty)
            #expect(try ovs.get("Port", "vnet0", "_uuid") == uuid)

            // A port whose interface went is given one again.
            try ovs.vsctl(["--", "--id=@i", "create", "Interface", "name=vnetx", "type=internal", "--",
                           "set", "Port", "vnet0", "interfaces=@i"])
            try await ovsSwitch.addPort(bridge: "pbr1", plain)
            let interfaces = OVSInstance.set(try ovs.list("Port", "vnet0", columns: ["interfaces"]).first?["interfaces"])
            #expect(interfaces.count == 1)
            #expect(try ovs.vsctl(["iface-to-br", "vnet0"]) == "pbr1\n")
            #expect(try !ovs.list("Interface", columns: ["name"]).contains { $0["name"] as? String == "vnetx" })
        }
    }

    @Test func egressPolicerQoSIsCreatedUpdatedAndCleared() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            try makeTAP("vnet0", in: ovs.namespace)
            let policer = OVSQoS(type: "egress-policer", otherConfig: ["cir": "125000", "cbs": "12500"])
            try await ovsSwitch.addPort(bridge: "pbr0", Self.guestPort(qos: policer))
            var rows = try ovs.list("QoS", columns: ["_uuid", "type", "other_config"])
            #expect(rows.count == 1)
            #expect(rows.first?["type"] as? String == "egress-policer")
            #expect(OVSInstance.map(rows.first?["other_config"]) == ["cir": "125000", "cbs": "12500"])
            let qosUUID = OVSInstance.set(rows.first?["_uuid"]).first as? String
            #expect(OVSInstance.set(try ovs.list("Port", "vnet0", columns: ["qos"]).first?["qos"]).first as? String == qosUUID)
            // ovs-vswitchd applied it to the port without complaint.
            #expect(try ovs.get("Interface", "vnet0", "error") == "[]")

            let state = try #require(try await ovsSwitch.ports(withExternalID: "iface-id", value: "8a3f7c2e-5b1d-4e6f-9a0b-1c2d3e4f5a6b").first)
            #expect(state.port.qos == policer)

            // A new rate updates the same row in place.
            let faster = OVSQoS(type: "egress-policer", otherConfig: ["cir": "250000", "cbs": "25000"])
            try await ovsSwitch.addPort(bridge: "pbr0", Self.guestPort(qos: faster))
            rows = try ovs.list("QoS", columns: ["_uuid", "other_config"])
            #expect(rows.count == 1)
            #expect(OVSInstance.set(rows.first?["_uuid"]).first as? String == qosUUID)
            #expect(OVSInstance.map(rows.first?["other_config"]) == ["cir": "250000", "cbs": "25000"])

            // No QoS: the port's reference is cleared and the row deleted.
            try await ovsSwitch.addPort(bridge: "pbr0", Self.guestPort())
            #expect(try ovs.get("Port", "vnet0", "qos") == "[]")
            #expect(try ovs.list("QoS").isEmpty)

            // A QoS row shared with another port is left to it.
            try await ovsSwitch.addPort(bridge: "pbr0", Self.guestPort(qos: policer))
            try makeTAP("vnet1", in: ovs.namespace)
            try ovs.vsctl(["add-port", "pbr0", "vnet1"])
            let shared = try ovs.get("Port", "vnet0", "qos")
            try ovs.vsctl(["set", "Port", "vnet1", "qos=\(shared)"])
            try await ovsSwitch.addPort(bridge: "pbr0", Self.guestPort(qos: faster))
            #expect(try ovs.get("Port", "vnet1", "qos") == shared)
            #expect(try ovs.get("Port", "vnet0", "qos") != shared)
            #expect(try ovs.list("QoS").count == 2)
            try await ovsSwitch.deletePort(named: "vnet0")
            #expect(try ovs.list("QoS").count == 1)
            #expect(try ovs.get("Port", "vnet1", "qos") == shared)
        }
    }

    @Test func portsWithExternalIDFindsEveryBridgesPorts() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            try await ovsSwitch.createBridge(netdevBridge("pbr1"))
            for (index, bridge) in ["pbr0", "pbr1", "pbr1"].enumerated() {
                try makeTAP("vnet\(index)", in: ovs.namespace)
                var spec = Self.guestPort("vnet\(index)")
                spec.externalIDs["attached-mac"] = "52:54:00:00:00:0\(index)"
                try await ovsSwitch.addPort(bridge: bridge, spec)
            }
            try makeTAP("other0", in: ovs.namespace)
            try ovs.vsctl(["add-port", "pbr0", "other0", "--", "set", "Interface", "other0", "external_ids:iface-id=someone-else"])
            let found = try await ovsSwitch.ports(withExternalID: "patchbay-owner", value: "patchbay:port:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
            #expect(found.map { "\($0.bridge)/\($0.port.name)" } == ["pbr0/vnet0", "pbr1/vnet1", "pbr1/vnet2"])
            #expect(found.map { $0.port.externalIDs["attached-mac"] } == ["52:54:00:00:00:00", "52:54:00:00:00:01", "52:54:00:00:00:02"])
            #expect(found.allSatisfy { $0.port.vlan == OVSVLAN(tag: 10, trunks: [10, 20], mode: .nativeUntagged) })
            let foreign = try await ovsSwitch.ports(withExternalID: "iface-id", value: "someone-else")
            #expect(foreign.map(\.port.name) == ["other0"])
            #expect(try await ovsSwitch.ports(withExternalID: "iface-id", value: "nobody").isEmpty)
        }
    }

    @Test func deletePortRemovesPortAndInterface() async throws {
        try await withSwitch { ovsSwitch, ovs in
            try await ovsSwitch.createBridge(netdevBridge("pbr0"))
            try makeTAP("vnet0", in: ovs.namespace)
            try await ovsSwitch.addPort(bridge: "pbr0", Self.guestPort(qos: OVSQoS(type: "egress-policer", otherConfig: ["cir": "1000"])))
            try await ovsSwitch.deletePort(named: "vnet0")
            #expect(try ovs.vsctl(["list-ports", "pbr0"]).isEmpty)
            #expect(try ovs.list("Interface", columns: ["name"]).compactMap { $0["name"] as? String } == ["pbr0"])
            #expect(try ovs.list("QoS").isEmpty)
            // Twice: nothing to do.
            try await ovsSwitch.deletePort(named: "vnet0")
            // The bridge's own port is refused, as ovs-vsctl refuses it.
            let error = await #expect(throws: PatchbayError.self) { try await ovsSwitch.deletePort(named: "pbr0") }
            #expect(error?.code == .operationInvalid)
            #expect(try ovs.vsctl(["list-br"]) == "pbr0\n")
        }
    }
}
