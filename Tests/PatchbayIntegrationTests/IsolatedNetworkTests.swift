import Foundation
import PatchbayTestSupport
import Testing

extension IntegrationTests {
    /// The first vertical slice end to end: CLI → API → engine → netlink → kernel, inside a
    /// namespace of the test's own, read back with `ip -j`.
    @Suite("Isolated networks through patchbayd (root, namespaces)")
    struct IsolatedNetworkTests {
        @Test func defineStartDestroyUndefineTellTheTruthAtEachStep() async throws {
            try await DaemonHarness.with { daemon in
                let xmlPath = Conformance.path("isolated-network")
                #expect(try daemon.ok(["net-define", xmlPath]) == "Network private defined from \(xmlPath)\n\n")
                var network = try #require(try daemon.network("private"))
                #expect(network["active"] as? Bool == false)
                #expect(network["persistent"] as? Bool == true)
                #expect(network["autostart"] as? Bool == false)
                #expect(network["bridge"] as? String == "virbr2")
                #expect(network["uuid"] as? String == "81ff0d90-c91e-6742-64da-4a736edb9a9b")
                #expect(try daemon.namespace.link("virbr2") == nil)
                #expect(try daemon.ok(["net-list"]) == " Name   State   Autostart   Persistent\n----------------------------------------\n\n")

                #expect(try daemon.ok(["net-start", "private"]) == "Network private started\n\n")
                network = try #require(try daemon.network("private"))
                #expect(network["active"] as? Bool == true)

                let link = try #require(try daemon.namespace.link("virbr2"))
                #expect(link["mtu"] as? Int == 1500)
                #expect(link["address"] as? String == "52:54:00:17:3f:37")
                #expect((link["flags"] as? [String])?.contains("UP") == true)
                let info = link["linkinfo"] as? [String: Any]
                #expect(info?["info_kind"] as? String == "bridge")
                // stp='on' runs Patchbay's loop guard, not the kernel's STP (see LoopGuardTests).
                #expect((info?["info_data"] as? [String: Any])?["stp_state"] as? Int == 0)
                #expect(try daemon.namespace.addresses("virbr2").contains("192.168.152.1/24"))

                #expect(try daemon.ok(["net-list"]) == """
                     Name      State    Autostart   Persistent
                    --------------------------------------------
                     private   active   no          yes


                    """)
                #expect(try daemon.ok(["net-info", "private"]) == """
                    Name:           private
                    UUID:           81ff0d90-c91e-6742-64da-4a736edb9a9b
                    Active:         yes
                    Persistent:     yes
                    Autostart:      no
                    Bridge:         virbr2


                    """)
                let xml = try daemon.ok(["net-dumpxml", "private"])
                #expect(xml.contains("\n  <name>private</name>\n  <uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>\n"))
                #expect(xml.contains("  <bridge name='virbr2' stp='on' delay='0'/>\n"))

                #expect(try daemon.ok(["net-destroy", "private"]) == "Network private destroyed\n\n")
                #expect(try daemon.namespace.link("virbr2") == nil)
                #expect(try daemon.network("private")?["active"] as? Bool == false)

                #expect(try daemon.ok(["net-undefine", "private"]) == "Network private has been undefined\n\n")
                #expect(try daemon.networks().isEmpty)
            }
        }

        @Test func mtuAndEveryAddressReachTheKernel() async throws {
            try await DaemonHarness.with { daemon in
                let path = try daemon.file("jumbo.xml", """
                    <network>
                      <name>jumbo</name>
                      <bridge name='pbjumbo' stp='off' delay='3'/>
                      <mtu size='9000'/>
                      <ip address='10.88.0.1' netmask='255.255.0.0'/>
                      <ip family='ipv6' address='fd00:88::1' prefix='64'/>
                    </network>
                    """)
                try daemon.ok(["net-define", path])
                try daemon.ok(["net-start", "jumbo"])
                let link = try #require(try daemon.namespace.link("pbjumbo"))
                #expect(link["mtu"] as? Int == 9000)
                let data = (link["linkinfo"] as? [String: Any])?["info_data"] as? [String: Any]
                #expect(data?["stp_state"] as? Int == 0)
                #expect(data?["forward_delay"] as? Int == 300)
                let addresses = try daemon.namespace.addresses("pbjumbo")
                #expect(addresses.contains("10.88.0.1/16"))
                #expect(addresses.contains("fd00:88::1/64"))
            }
        }

        @Test func generatedBridgeNamesAvoidExistingDevices() async throws {
            try await DaemonHarness.with { daemon in
                try Command.check("ip", ["-n", daemon.namespace.name, "link", "add", "virbr0", "type", "bridge"])
                let path = try daemon.file("gen.xml", "<network><name>gen</name><ip address='10.89.0.1' prefix='24'/></network>")
                try daemon.ok(["net-define", path])
                #expect(try daemon.network("gen")?["bridge"] as? String == "virbr1")
                try daemon.ok(["net-start", "gen"])
                #expect(try daemon.namespace.link("virbr1")?["address"] as? String != nil)
                let xml = try daemon.ok(["net-dumpxml", "gen"])
                #expect(xml.contains("<mac address='52:54:00:"))
            }
        }
    }
}
