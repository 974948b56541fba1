import Foundation
import Netlink
import NetlinkWire
import PatchbayModel
import PatchbayTestSupport
import Testing

/// Bridge port states and the loop guard's packet socket against a real kernel, each in a
/// namespace of its own, read back through Patchbay's netlink decoding and through `bridge -j`.
@Suite("Netlink bridge ports (root, namespaces)")
struct NetlinkBridgePortTests {
    @Test func portStateIsSetAndReadBack() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            try session.createBridge(name: "pbbr0", stp: false, forwardDelaySeconds: 0)
            try session.createVeth(name: "pa", peerName: "pb")
            try session.setMaster(named: "pa", master: "pbbr0")
            for name in ["pbbr0", "pa", "pb"] { try session.setLinkUp(named: name) }
            let bridge = try #require(try session.link(named: "pbbr0"))
            // The carrier (and with it the forwarding state) follows the link a moment later.
            var port = try #require(try session.bridgePorts().first { $0.name == "pa" })
            for _ in 0..<100 where port.bridgePort?.state != 3 {
                try await Task.sleep(for: .milliseconds(20))
                port = try #require(try session.bridgePorts().first { $0.name == "pa" })
            }
            #expect(port.masterIndex == bridge.index)
            #expect(port.bridgePort?.state == 3)
            #expect(port.bridgePort?.learning == true)
            #expect(port.flags & NetlinkConstants.IFF_LOWER_UP != 0)
            #expect(try ns.bridgePortState("pa") == "forwarding")
            // The full link dump carries the same state in IFLA_INFO_SLAVE_DATA.
            #expect(try session.link(named: "pa")?.bridgePort?.state == 3)

            try session.setBridgePortState(index: port.index, state: 0)
            port = try #require(try session.bridgePorts().first { $0.name == "pa" })
            #expect(port.bridgePort?.state == 0)
            #expect(try ns.bridgePortState("pa") == "disabled")
            // Without STP the kernel turns "blocking" straight back into forwarding, which is why
            // the loop guard disables ports instead.
            try session.setBridgePortState(index: port.index, state: 4)
            #expect(try ns.bridgePortState("pa") == "forwarding")

            // Under kernel STP the kernel owns port states.
            try session.setBridgeOptions(name: "pbbr0", stp: true, forwardDelaySeconds: 2)
            #expect(throws: NetlinkError.self) { try session.setBridgePortState(index: port.index, state: 0) }
        }
    }

    @Test func packetSocketSendsOutOfOneDeviceAndHearsWhereFramesArrive() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            try session.createVeth(name: "pa", peerName: "pb")
            try session.setLinkUp(named: "pa")
            try session.setLinkUp(named: "pb")
            var receiving = try #require(try session.link(named: "pb"))
            for _ in 0..<100 where receiving.flags & NetlinkConstants.IFF_LOWER_UP == 0 {
                try await Task.sleep(for: .milliseconds(20))
                receiving = try #require(try session.link(named: "pb"))
            }
            let sending = try #require(try session.link(named: "pa"))
            let socket = try PacketSocket(ethertype: LoopProbe.ethertype, namespacePath: ns.path, receiveTimeoutMilliseconds: 200)
            let probe = LoopProbe(bridgeIndex: 1, egressIndex: sending.index, token: 99)
            try socket.send(probe.frame, interfaceIndex: sending.index)
            // The frame leaves pa and arrives on pb; the copy pa sent is not reported.
            var heard: [(Int32, [UInt8])] = []
            while let received = try socket.receive() { heard.append(received) }
            #expect(heard.count == 1)
            #expect(heard.first?.0 == receiving.index)
            #expect(heard.first.flatMap { LoopProbe(frame: $0.1, token: { _, _ in 99 }) } == probe)
            // Other ethertypes (this socket's filter) are not delivered.
            var other = probe.frame
            other[13] = 0xB6
            try socket.send(other, interfaceIndex: sending.index)
            #expect(try socket.receive() == nil)
        }
    }
}
