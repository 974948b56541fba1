import Glibc
import Netlink
import NetlinkWire
import PatchbayModel
import PatchbayTestSupport
import Testing

/// Link operations against a real kernel, each in a namespace of its own, read back both through
/// Patchbay's netlink decoding and through `ip -j`.
@Suite("Netlink links (root, namespaces)")
struct NetlinkLinkTests {
    @Test func stpComesOffBeforeAShortDelayGoesOn() async throws {
        // A bridge libvirt's way (kernel STP, delay 0 raised to 2 s) switched to the loop guard's
        // (no STP, delay 0): one message would be refused with ERANGE.
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            try session.createBridge(name: "pbbr0", stp: true, forwardDelaySeconds: 0)
            let bridge = try session.link(named: "pbbr0")?.bridge
            #expect(bridge?.forwardDelay == 200 && bridge?.stpState == 1 && bridge?.vlanFiltering == false)
            try session.setBridgeOptions(name: "pbbr0", stp: false, forwardDelaySeconds: 0)
            let link = try #require(try session.link(named: "pbbr0"))
            #expect(link.bridge?.stpState == 0)
            #expect(link.bridge?.forwardDelay == 0)
            let data = (try ns.link("pbbr0")?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
            #expect(data?["stp_state"] as? Int == 0)
            #expect(data?["forward_delay"] as? Int == 0)
            // And back: STP on with delay 0 gets the kernel's 2 s.
            try session.setBridgeOptions(name: "pbbr0", stp: true, forwardDelaySeconds: 0)
            #expect(try session.link(named: "pbbr0")?.bridge?.stpState == 1)
            #expect(try session.link(named: "pbbr0")?.bridge?.forwardDelay == 200)
        }
    }

    @Test func createBridgeWithSTPDelayMTUAndMAC() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            let mac = try #require(MACAddress("52:54:00:17:3f:37"))
            try session.createBridge(name: "pbbr0", mac: mac, mtu: 9000, stp: true, forwardDelaySeconds: 0)

            let link = try #require(try session.link(named: "pbbr0"))
            #expect(link.kind == "bridge")
            #expect(link.mtu == 9000)
            #expect(link.mac == mac)
            #expect(link.bridge?.stpState == 1)
            // The kernel accepts delay 0 while STP is off (it is written first), then raises it to
            // its 2 s minimum when kernel STP starts: libvirt's `stp='on' delay='0'` bridges show
            // forward_delay 200 as well.
            #expect(link.bridge?.forwardDelay == 200)
            #expect(!link.isUp)

            let ip = try #require(try ns.link("pbbr0"))
            #expect(ip["mtu"] as? Int == 9000)
            #expect(ip["address"] as? String == "52:54:00:17:3f:37")
            let info = ip["linkinfo"] as? [String: Any]
            #expect(info?["info_kind"] as? String == "bridge")
            let data = info?["info_data"] as? [String: Any]
            #expect(data?["stp_state"] as? Int == 1)
            #expect(data?["forward_delay"] as? Int == 200)
        }
    }

    @Test func bridgeForwardDelayIsSetInSeconds() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            try session.createBridge(name: "pbbr1", stp: false, forwardDelaySeconds: 5)
            let data = (try ns.link("pbbr1")?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
            #expect(data?["forward_delay"] as? Int == 500)
            #expect(data?["stp_state"] as? Int == 0)
            try session.setBridgeOptions(name: "pbbr1", stp: true, forwardDelaySeconds: 15)
            let after = try #require(try session.link(named: "pbbr1"))
            #expect(after.bridge?.stpState == 1)
            #expect(after.bridge?.forwardDelay == 1500)
        }
    }

    @Test func creatingAnExistingLinkFailsWithEEXIST() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            try session.createBridge(name: "pbdup", stp: false, forwardDelaySeconds: 0)
            let error = #expect(throws: NetlinkError.self) {
                try session.createBridge(name: "pbdup", stp: false, forwardDelaySeconds: 0)
            }
            #expect(error?.errno == EEXIST)
            #expect(error?.description.contains("create bridge pbdup: File exists") == true)
        }
    }

    @Test func kernelExtendedAckTextIsSurfaced() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            // STP on with a 1 s forward delay is outside the kernel's 2-30 s range.
            try session.createBridge(name: "pbrange", stp: true, forwardDelaySeconds: 2)
            let error = #expect(throws: NetlinkError.self) {
                try session.setBridgeOptions(name: "pbrange", stp: true, forwardDelaySeconds: 1)
            }
            #expect(error?.errno == ERANGE)
            #expect(error?.description.hasPrefix("set bridge options of pbrange: Numerical result out of range") == true)
        }
    }

    @Test func upDownMTUMACAndDelete() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            try session.createBridge(name: "pbud", stp: false, forwardDelaySeconds: 0)
            try session.setLinkUp(named: "pbud")
            #expect(try session.link(named: "pbud")?.isUp == true)
            #expect((try ns.link("pbud")?["flags"] as? [String])?.contains("UP") == true)
            try session.setMTU(named: "pbud", 1400)
            let mac = try #require(MACAddress("52:54:00:aa:bb:cc"))
            try session.setMAC(named: "pbud", mac)
            #expect(try ns.link("pbud")?["mtu"] as? Int == 1400)
            #expect(try ns.link("pbud")?["address"] as? String == "52:54:00:aa:bb:cc")
            try session.setLinkUp(named: "pbud", false)
            #expect(try session.link(named: "pbud")?.isUp == false)
            try session.deleteLink(named: "pbud")
            #expect(try session.link(named: "pbud") == nil)
            #expect(try ns.link("pbud") == nil)
        }
    }

    @Test func vethPairWithPeerInAnotherNamespaceAndMaster() async throws {
        try await TestNamespace.with { ns in
            try await TestNamespace.with { guest in
                let session = try NetlinkSession(namespacePath: ns.path)
                try session.createBridge(name: "pbbr2", stp: false, forwardDelaySeconds: 0)
                let peerMAC = try #require(MACAddress("52:54:00:00:00:42"))
                try session.createVeth(name: "pbv0", peerName: "eth0", peerMAC: peerMAC, peerNamespacePath: guest.path)
                try session.setMaster(named: "pbv0", master: "pbbr2")

                let port = try #require(try session.link(named: "pbv0"))
                let bridge = try #require(try session.link(named: "pbbr2"))
                #expect(port.kind == "veth")
                #expect(port.masterIndex == bridge.index)
                #expect(port.slaveKind == "bridge")
                #expect(try ns.link("pbv0")?["master"] as? String == "pbbr2")
                #expect(try guest.link("eth0")?["address"] as? String == "52:54:00:00:00:42")
                #expect(try session.link(named: "eth0") == nil)

                try session.setMaster(named: "pbv0", master: nil)
                #expect(try session.link(named: "pbv0")?.masterIndex == nil)
            }
        }
    }

    @Test func persistentTapWithVnetHeaderAndMultiQueue() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            let name = try session.createTap(name: "vnet%d", vnetHeader: true, multiQueue: true, owner: 107, group: 108)
            #expect(name == "vnet0")
            let link = try #require(try session.link(named: name))
            #expect(link.kind == "tun")
            #expect(link.tun?.type == 2)
            #expect(link.tun?.vnetHeader == true)
            #expect(link.tun?.multiQueue == true)
            #expect(link.tun?.persistent == true)
            #expect(link.tun?.owner == 107)
            let data = (try ns.link(name)?["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
            #expect(data?["type"] as? String == "tap")
            #expect(data?["vnet_hdr"] as? Bool == true)
            #expect(data?["multi_queue"] as? Bool == true)
            #expect(data?["user"] as? Int == 107 || data?["user"] as? String != nil)
            // The tap lives in the test namespace, not in the host's.
            #expect(try session.links().contains { $0.name == name })
            try session.deleteLink(named: name)
            #expect(try ns.link(name) == nil)
        }
    }

    @Test func linkDumpListsEveryDeviceOnce() async throws {
        try await TestNamespace.with { ns in
            let session = try NetlinkSession(namespacePath: ns.path)
            for i in 0..<40 { try session.createBridge(name: "pbd\(i)", stp: false, forwardDelaySeconds: 0) }
            let names = try session.links().map(\.name)
            let ipNames = try ns.ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String }
            #expect(Set(names) == Set(ipNames))
            #expect(names.count == 41)
            #expect(names.contains("lo"))
        }
    }
}
