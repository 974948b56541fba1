import Foundation
import PatchbayEngine
import PatchbayKernel
import PatchbayModel
import Testing

/// Discovery and binding against a simulated sysfs tree (`SimulatedSysfs`): there is no SR-IOV
/// NIC on the project's machines, so these are the only tests of the sysfs side.
@Suite struct SRIOVSysfsTests {
    @Test func pciNamesParseAsLibvirtReadsThem() {
        #expect(PCIAddress(sysfsName: "0000:03:10.2") == PCIAddress(domain: 0, bus: 3, slot: 0x10, function: 2))
        #expect(PCIAddress(sysfsName: "10de:af:1f.7") == PCIAddress(domain: 0x10de, bus: 0xaf, slot: 0x1f, function: 7))
        for bad in ["0000:03:10", "0000:03:20.0", "0000:03:10.8", "03:10.0", "0000:3:10.0", "0000:03:10.0\n", "virtfn0", ""] {
            #expect(PCIAddress(sysfsName: bad) == nil, "\(bad)")
        }
    }

    @Test func discoversThePFsVFsInOrder() throws {
        let tree = try SimulatedSysfs(enabledVFs: 5)
        let vfs = try tree.sysfs.virtualFunctions(ofPF: "eno1")
        #expect(vfs.map(\.number) == [0, 1, 2, 3, 4])  // virtfn10 would sort after virtfn9, not after virtfn1
        #expect(vfs.map(\.address.description) == ["0000:03:10.0", "0000:03:10.2", "0000:03:10.4", "0000:03:10.6", "0000:03:11.0"])
        #expect(vfs.allSatisfy { $0.pf == "eno1" && $0.driver == "ixgbevf" })
        #expect(vfs.map(\.netdev) == ["eno1v0", "eno1v1", "eno1v2", "eno1v3", "eno1v4"])
    }

    @Test func findsAVFsPFAndNumberFromItsAddress() throws {
        let tree = try SimulatedSysfs(enabledVFs: 3)
        let vf = try tree.sysfs.virtualFunction(at: PCIAddress(sysfsName: "0000:03:10.4")!)
        #expect(vf == VirtualFunction(pf: "eno1", number: 2, address: PCIAddress(sysfsName: "0000:03:10.4")!, netdev: "eno1v2", driver: "ixgbevf"))
        let missing = #expect(throws: PatchbayError.self) { try tree.sysfs.virtualFunction(at: PCIAddress(sysfsName: "0000:03:10.6")!) }
        #expect(missing?.message.contains("no PCI device 0000:03:10.6") == true)
        let notVF = #expect(throws: PatchbayError.self) { try tree.sysfs.virtualFunction(at: PCIAddress(sysfsName: tree.pfAddress)!) }
        #expect(notVF?.message.contains("is not an SR-IOV virtual function") == true)
    }

    @Test func refusesWithErrorsThatSayWhatIsMissing() throws {
        let tree = try SimulatedSysfs()
        let noPF = #expect(throws: PatchbayError.self) { try tree.sysfs.virtualFunctions(ofPF: "eno9") }
        #expect(noPF?.code == .notFound && noPF?.message.contains("no network device 'eno9'") == true)

        let plain = try SimulatedSysfs(enabledVFs: 0, withSRIOV: false)
        let noSRIOV = #expect(throws: PatchbayError.self) { try plain.sysfs.virtualFunctions(ofPF: "eno1") }
        #expect(noSRIOV?.message.contains("has no SR-IOV capability") == true)
        #expect(noSRIOV?.message.contains("sriov_totalvfs") == true)

        let disabled = try SimulatedSysfs(totalVFs: 63, enabledVFs: 0)
        let none = #expect(throws: PatchbayError.self) { try disabled.sysfs.virtualFunctions(ofPF: "eno1") }
        #expect(none?.message.contains("echo N > /sys/class/net/eno1/device/sriov_numvfs") == true)
        #expect(none?.message.contains("at most 63") == true)
    }

    @Test func bindsToVFIOAsLibvirtDoesAndGivesBack() throws {
        let tree = try SimulatedSysfs()
        let address = PCIAddress(sysfsName: "0000:03:10.2")!
        #expect(try tree.sysfs.bind(address))
        #expect(tree.driver("0000:03:10.2") == "vfio-pci")
        #expect(tree.netdevs("0000:03:10.2").isEmpty)  // the VF's netdev goes with its network driver
        #expect(try tree.sysfs.virtualFunction(at: address).netdev == nil)
        // Already there: nothing written, and not ours to give back.
        let before = tree.writes.withLock { $0.count }
        #expect(try tree.sysfs.bind(address) == false)
        #expect(tree.writes.withLock { $0.count } == before)

        try tree.sysfs.giveBack(address)
        #expect(tree.driver("0000:03:10.2") == "ixgbevf")
        #expect(tree.netdevs("0000:03:10.2") == ["eno1v1"])
        #expect(tree.driverOverride("0000:03:10.2") == "(null)\n")
        #expect(tree.writes.withLock { $0 } == [
            "bus/pci/devices/0000:03:10.2/driver_override <- vfio-pci",
            "bus/pci/devices/0000:03:10.2/driver/unbind <- 0000:03:10.2",
            "bus/pci/drivers_probe <- 0000:03:10.2",
            "bus/pci/devices/0000:03:10.2/driver_override <- \\n",
            "bus/pci/devices/0000:03:10.2/driver/unbind <- 0000:03:10.2",
            "bus/pci/drivers_probe <- 0000:03:10.2",
        ])
        // Giving back a VF that is no longer on vfio-pci only clears the override.
        try tree.sysfs.giveBack(address)
        #expect(tree.driver("0000:03:10.2") == "ixgbevf")
    }

    @Test func refusesToBindWithoutTheModuleOrWhenTheProbeFails() throws {
        let noModule = try SimulatedSysfs(vfioLoaded: false)
        let address = PCIAddress(sysfsName: "0000:03:10.0")!
        let unloaded = #expect(throws: PatchbayError.self) { try noModule.sysfs.bind(address) }
        #expect(unloaded?.message.contains("modprobe vfio-pci") == true)
        #expect(noModule.driver("0000:03:10.0") == "ixgbevf")  // untouched

        let noIOMMU = try SimulatedSysfs()
        noIOMMU.vfioProbeSucceeds.withLock { $0 = false }
        let failed = #expect(throws: PatchbayError.self) { try noIOMMU.sysfs.bind(address) }
        #expect(failed?.message.contains("bound to no driver") == true)
        #expect(failed?.cause?.contains("IOMMU") == true)
    }
}
