import Foundation
import Netlink
import PatchbayEngine
import PatchbayKernel
import PatchbayModel
import PatchbayTestSupport
import Testing

/// The kernel adapters against this machine's kernel, in a throw-away namespace: it has no
/// SR-IOV NIC (a veth stands in for the PF, and the kernel refuses VF settings on it), so these check that each refusal comes back as an error that says why.
@Suite(.serialized) struct KernelHostdevNamespaceTests {
    @Test func vfSettingsOnADeviceWithoutVFsFailNamingTheVFAndSetting() async throws {
        try await TestNamespace.with { ns in
            try Command.check("ip", ["-n", ns.name, "link", "add", "v0", "type", "veth", "peer", "name", "v1"])
            let session = try NetlinkSession(namespacePath: ns.path)
            let tree = try SimulatedSysfs()
            let hostdev = KernelHostdev(session: session, sysfs: tree.sysfs)
            let vf = VirtualFunction(pf: "v0", number: 0, address: PCIAddress(sysfsName: "0000:03:10.0")!, netdev: "eno1v0", driver: "ixgbevf")
            var forward = ForwardDefinition()
            forward.mode = .hostdev
            forward.managed = true
            forward.pf = "v0"
            let config = VirtualFunctionConfig(mac: MACAddress("52:54:00:12:34:56")!, vlan: 42)
            // The PF is down: refused before anything is sent, as libvirt refuses it.
            let down = await #expect(throws: PatchbayError.self) { try await hostdev.prepare(vf, config: config, forward: forward) }
            #expect(down?.message.contains("PF is not up") == true)
            try Command.check("ip", ["-n", ns.name, "link", "set", "v0", "up"])
            let refused = await #expect(throws: PatchbayError.self) { try await hostdev.prepare(vf, config: config, forward: forward) }
            #expect(refused?.code == .kernel)
            #expect(refused?.message == "set mac 52:54:00:12:34:56 on vf 0 (0000:03:10.0) of v0")
            #expect(refused?.cause?.contains("Operation not supported") == true)
            // Nothing was bound: the VF settings come first.
            #expect(tree.driver("0000:03:10.0") == "ixgbevf")
        }
    }
}
