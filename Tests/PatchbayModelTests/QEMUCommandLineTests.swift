import PatchbayModel
import Testing

@Suite struct QEMUCommandLineTests {
    @Test func nameAndMACFromNetdevAndDevice() {
        let line = QEMUCommandLine(arguments: ["qemu-system-x86_64", "-name", "guest=web1,debug-threads=on", "-m", "512",
                                               "-netdev", "bridge,id=n1,br=virbr1", "-device", "e1000,netdev=n1,mac=52:54:00:00:00:01",
                                               "-netdev", "bridge,id=n0,br=virbr0", "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:aa:bb:cc"])
        #expect(line.vmName == "web1")
        #expect(line.mac(forBridge: "virbr0") == MACAddress("52:54:00:aa:bb:cc"))
        #expect(line.mac(forBridge: "virbr1") == MACAddress("52:54:00:00:00:01"))
        #expect(line.mac(forBridge: "virbr9") == nil)
    }

    @Test func nicShorthandPlainNameAndProcBytes() {
        let bytes = Array("qemu\u{0}-name\u{0}db\u{0}-nic\u{0}bridge,br=br0,mac=52:54:00:12:34:56,model=virtio\u{0}".utf8)
        let line = QEMUCommandLine(procCmdline: bytes)
        #expect(line.arguments.count == 5)
        #expect(line.vmName == "db")
        #expect(line.mac(forBridge: "br0") == MACAddress("52:54:00:12:34:56"))
        #expect(QEMUCommandLine(arguments: ["qemu"]).vmName == nil)
        #expect(QEMUCommandLine(arguments: ["qemu", "-name", "process=x"]).vmName == nil)
    }
}
